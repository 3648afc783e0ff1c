"""The composed pipeline: normalise → dedup → tag → route, as pure synchronous stage functions.

`wirestream process` runs `Pipeline.process` over files; the Faust agents call the same three
stage functions (`normalise_stage`, `dedup_stage`, `tag_stage`) one per agent. Both paths
therefore give identical results for the same input order.

Each stage function turns any unexpected exception into a DeadLetter: an agent must never die on
one bad item (a dead agent stalls its partitions, faust#175/#640).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

from .dedup import Deduplicator
from .models import DeadLetter, DedupInfo, DedupStatus, EnrichedEvent, RawItem, WireItem, to_json, utcnow
from .normalise import normalise
from .settings import Settings
from .tagging import Tagger
from .topics import DUPLICATES, ENRICHED

log = logging.getLogger(__name__)

Outcome = EnrichedEvent | DeadLetter


def _internal_error(stage: str, exc: BaseException, original: bytes, key: str) -> DeadLetter:
    log.exception("%s stage failed on %s", stage, key)
    return DeadLetter.for_bytes(
        original, stage=stage, reason="internal_error", message=f"{type(exc).__name__}: {exc}", key=key
    )


def normalise_stage(
    raw: RawItem, *, force_format: str | None = None, max_bytes: int | None = None
) -> list[WireItem] | DeadLetter:
    try:
        return normalise(raw, force_format=force_format, max_bytes=max_bytes)
    except Exception as exc:  # noqa: BLE001 - a bug must dead-letter the item, not stop the stream
        dead = _internal_error("normalise", exc, raw.payload_bytes(), raw.id)
        return dead.model_copy(update={"raw_id": raw.id, "source": raw.source, "received_at": raw.received_at})


def dedup_stage(dedup: Deduplicator, item: WireItem, *, delivery: str | None = None) -> EnrichedEvent | DeadLetter:
    """`delivery` names the input (workers: the position of the raw record and the item's index
    in it) so that the same input delivered again gets the same decision (see
    `Deduplicator.decide`); `process` passes none: a file given twice is two arrivals, as two
    records of the same file on wire.raw are."""
    try:
        decision = dedup.decide(item, delivery=delivery)
        return enrich(item, decision)
    except Exception as exc:  # noqa: BLE001
        return _with_item(_internal_error("dedup", exc, to_json(item), item.uri), item)


def enrich(item: WireItem, decision: DedupInfo) -> EnrichedEvent:
    """The event of a normalised item and its dedup decision. Still validated, but from the item's
    field values (``__dict__``: its nested models are taken as they are) rather than from
    ``model_dump()`` dicts built into models again: a third of the cost."""
    return EnrichedEvent(
        **item.__dict__, event_id=EnrichedEvent.event_id_for(item), dedup=decision, processed_at=utcnow()
    )


def tag_stage(tagger: Tagger, event: EnrichedEvent) -> EnrichedEvent | DeadLetter:
    try:
        return event.model_copy(update={"tags": tagger.tag(event), "processed_at": utcnow()})
    except Exception as exc:  # noqa: BLE001
        return _with_item(_internal_error("tag", exc, to_json(event), event.uri), event)


def _with_item(dead: DeadLetter, item: WireItem) -> DeadLetter:
    return dead.model_copy(update={"raw_id": item.raw_id, "format": item.format, "received_at": item.received_at})


def is_duplicate(event: EnrichedEvent) -> bool:
    return event.dedup.status in (DedupStatus.duplicate, DedupStatus.near_duplicate)


def route(event: EnrichedEvent) -> str:
    """The downstream topic (without prefix) an event belongs on."""
    return DUPLICATES if is_duplicate(event) else ENRICHED


@dataclass
class Pipeline:
    """All stages over one dedup store: a dict here, a Faust table in the workers."""

    tagger: Tagger
    dedup: Deduplicator
    max_bytes: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, store: MutableMapping[str, Any] | None = None) -> Pipeline:
        return cls(
            tagger=build_tagger(settings),
            dedup=build_deduplicator(settings, {} if store is None else store),
            max_bytes=settings.max_item_bytes,
        )

    def process(self, raw: RawItem, *, force_format: str | None = None) -> Iterator[Outcome]:
        normalised = normalise_stage(raw, force_format=force_format, max_bytes=self.max_bytes)
        if isinstance(normalised, DeadLetter):
            yield normalised
            return
        for item in normalised:
            event = dedup_stage(self.dedup, item)
            if isinstance(event, EnrichedEvent) and not is_duplicate(event):
                event = tag_stage(self.tagger, event)
            yield event


def build_tagger(settings: Settings) -> Tagger:
    return Tagger.load(storylines_path=settings.storylines, desk_regions_path=settings.desk_regions)


def build_deduplicator(settings: Settings, store: MutableMapping[str, Any]) -> Deduplicator:
    return Deduplicator(store, threshold=settings.dedup_threshold, window=settings.dedup_window)
