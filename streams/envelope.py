"""Reading a ``wire.raw`` record: a RawItem envelope, or bare bytes a producer put there.

Producers should write RawItem envelopes, but a record of bare bytes (a ninjs file sent as is,
say) is still accepted and wrapped, so nothing on the raw topic is lost for being unwrapped.
A record that claims to be an envelope but is not a valid one is a dead letter.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from pydantic import ValidationError

from .models import DeadLetter, RawItem, stable_id

ENVELOPE_KEYS = frozenset({"id", "source", "payload", "received_at"})

# Kafka record headers a producer may set on bare records.
HEADER_SOURCE = "wire-source"
HEADER_FORMAT = "wire-format"
HEADER_CONTENT_TYPE = "content-type"
HEADER_FILENAME = "wire-filename"


def _headers(raw_headers: Iterable[tuple[str, bytes]] | dict | None) -> dict[str, str]:
    if not raw_headers:
        return {}
    pairs = raw_headers.items() if isinstance(raw_headers, dict) else raw_headers
    out: dict[str, str] = {}
    for name, value in pairs:
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        out[str(name)] = str(value)
    return out


def decode_raw_record(
    value: bytes | None,
    *,
    key: bytes | None = None,
    headers: Iterable[tuple[str, bytes]] | dict | None = None,
    topic: str = "",
    partition: int = -1,
    offset: int = -1,
) -> RawItem | DeadLetter:
    value = value or b""
    position = {"topic": topic, "partition": partition, "offset": offset}
    if value[:1] == b"{":
        try:
            doc = orjson.loads(value)
        except orjson.JSONDecodeError:
            doc = None  # not JSON at all: treated as a bare payload below
        if isinstance(doc, dict) and ENVELOPE_KEYS <= doc.keys():
            try:
                return RawItem.model_validate(doc)
            except ValidationError as exc:
                dead = DeadLetter.for_bytes(
                    value,
                    stage="normalise",
                    reason="invalid_envelope",
                    message=f"RawItem envelope does not match the schema: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
                    key=f"{topic}:{partition}:{offset}",
                )
                return dead.model_copy(update={"kafka": position})
    hdrs = _headers(headers)
    record_id = key.decode("utf-8", errors="replace") if key else ""
    return RawItem.from_bytes(
        value,
        # Deterministic id: a redelivered record gets the same id, so its outputs do too.
        id=stable_id("kafka-record", topic, str(partition), str(offset), record_id),
        source=hdrs.get(HEADER_SOURCE, f"kafka:{topic}"),
        format_hint=hdrs.get(HEADER_FORMAT),
        content_type=hdrs.get(HEADER_CONTENT_TYPE),
        filename=hdrs.get(HEADER_FILENAME),
        headers=hdrs,
    )
