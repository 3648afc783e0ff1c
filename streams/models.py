"""The canonical schema every stage speaks.

`RawItem` is what ingest producers write to ``wire.raw``; `WireItem` is the normalised,
ninjs-2.x-like item; `EnrichedEvent` is a `WireItem` plus the dedup decision and tags;
`DeadLetter` keeps the original bytes of anything a stage could not handle, with a reason.

Serialisation is orjson throughout (`to_json` / `from_json`); every timestamp is a
timezone-aware UTC datetime. The JSON Schemas under ``schemas/`` are generated from these
models (``wirestream schemas``) and a test fails when they drift.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

# Namespace for the deterministic ids of events and dead letters: the same input always yields
# the same ids, so a consumer can drop repeats after a redelivery.
WIRESTREAM_NS = uuid.UUID("6f1d5d0e-5b8a-4c43-9f0e-2f7f1f0a7c11")
_NS_BYTES = WIRESTREAM_NS.bytes


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UTCDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def stable_id(*parts: str) -> str:
    """A deterministic UUID (v5) from the given parts: ``str(uuid.uuid5(WIRESTREAM_NS, ...))``
    computed directly (a third of its cost: no UUID object; every event id, cluster id and
    dead-letter id is one)."""
    digest = bytearray(hashlib.sha1(_NS_BYTES + "\x1f".join(parts).encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- raw envelope


class RawItem(_Model):
    """The envelope an ingest producer writes to ``wire.raw``.

    The payload is kept as sent: text when it is valid UTF-8, base64 otherwise, so that bytes
    which are not text survive the trip and reach the dead-letter topic unchanged.
    """

    id: str = Field(description="Producer-assigned id, unique per received item.")
    source: str = Field(description="Where the item came from, e.g. 'dropfolder:reuters'.")
    format_hint: str | None = Field(
        default=None, description="The producer's guess of the format; detection by content wins."
    )
    received_at: UTCDatetime
    payload: str = Field(description="The item as received: UTF-8 text, or base64 (see payload_encoding).")
    payload_encoding: Literal["text", "base64"] = "text"
    filename: str | None = None
    content_type: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        source: str,
        id: str | None = None,
        format_hint: str | None = None,
        received_at: datetime | None = None,
        filename: str | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> RawItem:
        try:
            payload, encoding = data.decode("utf-8"), "text"
        except UnicodeDecodeError:
            payload, encoding = base64.b64encode(data).decode("ascii"), "base64"
        return cls(
            id=id or str(uuid.uuid4()),
            source=source,
            format_hint=format_hint,
            received_at=received_at or utcnow(),
            payload=payload,
            payload_encoding=encoding,
            filename=filename,
            content_type=content_type,
            headers=headers or {},
        )

    def payload_bytes(self) -> bytes:
        if self.payload_encoding == "base64":
            return base64.b64decode(self.payload)
        return self.payload.encode("utf-8")


# --------------------------------------------------------------------------- normalised item


class Pubstatus(str, enum.Enum):
    usable = "usable"
    withheld = "withheld"
    canceled = "canceled"


class Dateline(_Model):
    """The dateline as the story states it, e.g. ``WASHINGTON, Dec 5 (Reuters) -``."""

    place: str | None = None
    date_text: str | None = None
    agency: str | None = None
    text: str | None = Field(default=None, description="The dateline exactly as found.")


class Subject(_Model):
    """A subject the source supplied (IPTC codes kept as codes, e.g. 'medtop:11000000')."""

    code: str | None = None
    name: str | None = None
    scheme: str | None = None


class ItemSource(_Model):
    """Attribution: an outlet republishing Reuters is the provider, Reuters the agency."""

    agency: str | None = None
    provider: str | None = None
    channel: str | None = Field(default=None, description="The ingest source that received the item.")


class Association(_Model):
    """A related item, such as the picture a caption describes."""

    type: str = "picture"
    uri: str | None = None
    headline: str | None = None
    description_text: str | None = None


class WireItem(_Model):
    """One normalised news item. Field names follow IPTC ninjs 2.x where one fits."""

    uri: str = Field(description="Stable identifier of the story (the source's own where it has one).")
    raw_id: str = Field(description="Id of the RawItem this item came from.")
    item_index: int = Field(default=0, ge=0, le=2**31 - 1, description="Position of the item within its RawItem.")
    type: str = "text"
    format: str = Field(description="The wire format the item was read from.")
    version: str | None = None
    versioncreated: UTCDatetime | None = None
    firstcreated: UTCDatetime | None = None
    embargoed: UTCDatetime | None = None
    pubstatus: Pubstatus = Pubstatus.usable
    urgency: int | None = Field(default=None, ge=1, le=9)
    language: str | None = None
    headline: str = ""
    slugline: str | None = None
    byline: str | None = None
    description_text: str | None = None
    body_text: str = ""
    located: str | None = None
    dateline: Dateline | None = None
    subjects: list[Subject] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    source: ItemSource = Field(default_factory=ItemSource)
    signals: list[str] = Field(
        default_factory=list, description="Editorial signals: update, correction, refile, kill, ..."
    )
    evolvedfrom: str | None = Field(default=None, description="URI of the version this one replaces.")
    url: str | None = None
    associations: dict[str, Association] = Field(default_factory=dict)
    derived: list[str] = Field(
        default_factory=list,
        description="Fields wirestream derived because the source did not carry them (e.g. headline).",
    )
    received_at: UTCDatetime
    warnings: list[str] = Field(default_factory=list, description="Non-fatal problems met while normalising.")


# --------------------------------------------------------------------------- enrichment


class DedupStatus(str, enum.Enum):
    new = "new"
    duplicate = "duplicate"
    near_duplicate = "near_duplicate"
    update = "update"


class DedupInfo(_Model):
    status: DedupStatus
    duplicate_of: str | None = Field(default=None, description="uri of the first-seen item.")
    similarity: float | None = Field(default=None, ge=0.0, le=1.0)
    cluster_id: str = Field(description="Stable id shared by every copy and version of one story.")
    replaces: str | None = Field(default=None, description="For an update: the version it replaces.")


class Evidence(_Model):
    """A span of the item's text that supports a tag."""

    field: str
    start: int
    end: int
    text: str


class Tag(_Model):
    """One tag: a code from a vocabulary, its name, a score and the evidence for it."""

    code: str
    name: str
    score: float = 1.0
    primary: bool = False
    evidence: list[Evidence] = Field(default_factory=list)
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2, for people and organisations.")


class Tags(_Model):
    places: list[Tag] = Field(default_factory=list)
    regions: list[Tag] = Field(default_factory=list)
    topics: list[Tag] = Field(default_factory=list)
    people: list[Tag] = Field(default_factory=list)
    organisations: list[Tag] = Field(default_factory=list)
    storylines: list[Tag] = Field(default_factory=list)


class EnrichedEvent(WireItem):
    """A WireItem with its dedup decision and tags: what desks subscribe to."""

    event_id: str = Field(description="Deterministic id: the same input always gives the same id.")
    schema_version: str = SCHEMA_VERSION
    dedup: DedupInfo
    tags: Tags = Field(default_factory=Tags)
    processed_at: UTCDatetime

    @staticmethod
    def event_id_for(item: WireItem) -> str:
        return stable_id("event", item.raw_id, str(item.item_index))


# --------------------------------------------------------------------------- dead letters


# Only normalise letters hold raw input whole. An ingest letter (input a producer refused before
# wire.raw: too large, unreadable) holds at most its first bytes; the input is resent from where
# the letter's message says it is kept (streams/ingest/rejects.py).
REPLAYABLE_STAGES = frozenset({"normalise"})


class DeadLetter(_Model):
    """Input a stage could not handle, with the original bytes and the reason."""

    id: str
    stage: str = Field(description="normalise, dedup, tag or ingest.")
    reason: str = Field(description="A stable reason code, e.g. 'invalid_json', 'xml_entities'.")
    message: str = Field(description="What went wrong, for a person.")
    raw_id: str | None = None
    source: str | None = None
    format: str | None = None
    original: str = Field(description="The original bytes: UTF-8 text or base64 (see original_encoding).")
    original_encoding: Literal["text", "base64"] = "text"
    received_at: UTCDatetime | None = None
    failed_at: UTCDatetime
    kafka: dict[str, Any] | None = Field(
        default=None, description="topic, partition and offset of the record, when read from Kafka."
    )

    def original_bytes(self) -> bytes:
        if self.original_encoding == "base64":
            return base64.b64decode(self.original)
        return self.original.encode("utf-8")

    def replayable(self) -> bool:
        """Whether the original is raw input that can go back to wire.raw.

        A normalise letter holds what a producer sent; a dedup or tag letter holds a canonical
        item, which is no input of the pipeline.
        """
        return self.stage in REPLAYABLE_STAGES

    def as_raw_item(self, headers: dict[str, str] | None = None) -> RawItem | None:
        """The RawItem that reproduces this letter's input, with its original id and source;
        None when the envelope itself was unreadable (resend `original_bytes()` as they are)
        or the letter is not replayable."""
        if not self.replayable() or self.raw_id is None or self.source is None:
            return None
        return RawItem(
            id=self.raw_id,
            source=self.source,
            format_hint=self.format,
            received_at=self.received_at or self.failed_at,
            payload=self.original,
            payload_encoding=self.original_encoding,
            headers=headers or {},
        )

    @classmethod
    def for_raw(cls, raw: RawItem, *, stage: str, reason: str, message: str, format: str | None = None) -> DeadLetter:
        return cls(
            id=stable_id("dlq", stage, raw.id),
            stage=stage,
            reason=reason,
            message=message,
            raw_id=raw.id,
            source=raw.source,
            format=format or raw.format_hint,
            original=raw.payload,
            original_encoding=raw.payload_encoding,
            received_at=raw.received_at,
            failed_at=utcnow(),
        )

    @classmethod
    def for_bytes(cls, data: bytes, *, stage: str, reason: str, message: str, key: str = "") -> DeadLetter:
        try:
            original, encoding = data.decode("utf-8"), "text"
        except UnicodeDecodeError:
            original, encoding = base64.b64encode(data).decode("ascii"), "base64"
        return cls(
            id=stable_id("dlq", stage, key, original),
            stage=stage,
            reason=reason,
            message=message,
            original=original,
            original_encoding=encoding,
            failed_at=utcnow(),
        )


# --------------------------------------------------------------------------- serialisation

M = TypeVar("M", bound=BaseModel)


def to_json(model: BaseModel) -> bytes:
    """Serialise a model with orjson (UTC datetimes as ISO 8601, no None-stripping)."""
    return orjson.dumps(model.model_dump(mode="python"))


def from_json(model_type: type[M], data: bytes | str) -> M:
    return model_type.model_validate(orjson.loads(data))
