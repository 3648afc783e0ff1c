"""Dead letters of input an ingest producer refuses before it reaches ``wire.raw``.

The drop folder (a file too large, unreadable, or refused by Kafka) and the feed poller (an entry
too large) put a `DeadLetter` with stage ``ingest`` on ``wire.dlq``, so every piece of bad input,
whichever stage met it, is on one topic with a reason code (`streams.normalise.errors`).

Such input is too large for Kafka, or could not be read at all, so a letter cannot carry it
whole: ``original`` holds at most its first `HEAD_BYTES` bytes (shrunk further if the letter
would not fit a record), and the message says how large the input was and where it is kept (the
drop folder's ``failed/``; a feed keeps its own entry). Ingest letters are therefore not replayed
by ``wirestream replay-dlq``: the input is sent again from where it is kept once the cause is
fixed (move the file back into the drop folder; a feed entry is sent when it is listed again).

The letter's id is deterministic (the same input gives the same id), so a letter repeated after a
crash between its acknowledgement and the file's move is recognisable downstream.
"""

from __future__ import annotations

import base64
from datetime import datetime

from ..kafka_clients import kafka_message_limit
from ..models import DeadLetter, RawItem, stable_id, to_json, utcnow
from ..settings import Settings

STAGE = "ingest"
HEAD_BYTES = 64 * 1024
RECORD_MARGIN = 4096  # key, headers and record overhead next to the letter's JSON


def _encode(head: bytes) -> tuple[str, str]:
    """(original, encoding): UTF-8 text when the head is text (a character cut at the end is
    dropped), base64 otherwise."""
    try:
        return head.decode("utf-8"), "text"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(head) - 3:
            try:
                return head[: exc.start].decode("utf-8"), "text"
            except UnicodeDecodeError:
                pass
    return base64.b64encode(head).decode("ascii"), "base64"


def rejected(
    settings: Settings,
    *,
    reason: str,
    message: str,
    head: bytes,
    size: int,
    source: str,
    raw_id: str | None,
    format_hint: str | None = None,
    received_at: datetime | None = None,
    key: str = "",
) -> DeadLetter:
    """The dead letter of refused input of `size` bytes whose first bytes are `head`.

    The id comes from `raw_id` (the id the item would have had) or, without one, from `key`.
    """
    limit = kafka_message_limit(settings) - RECORD_MARGIN
    keep = min(len(head), HEAD_BYTES, settings.max_item_bytes)
    letter_id = stable_id("dlq", STAGE, raw_id) if raw_id else stable_id("dlq", STAGE, source, key, reason)
    while True:
        original, encoding = _encode(head[:keep])
        kept = len(original.encode("utf-8")) if encoding == "text" else keep
        note = f" (the letter holds its first {kept} of {size} bytes)" if kept < size else ""
        letter = DeadLetter(
            id=letter_id,
            stage=STAGE,
            reason=reason,
            message=message + note,
            raw_id=raw_id,
            source=source,
            format=format_hint,
            original=original,
            original_encoding=encoding,
            received_at=received_at,
            failed_at=utcnow(),
        )
        if len(to_json(letter)) <= limit or keep == 0:
            return letter
        keep //= 2  # escaped text (control characters) can grow sixfold in JSON


def rejected_raw(settings: Settings, raw: RawItem, *, reason: str, message: str) -> DeadLetter:
    """The dead letter of a RawItem the producer built but will not send."""
    data = raw.payload_bytes()
    return rejected(
        settings, reason=reason, message=message, head=data[:HEAD_BYTES], size=len(data), source=raw.source,
        raw_id=raw.id, format_hint=raw.format_hint, received_at=raw.received_at,
    )


def letter_summary(letter: DeadLetter) -> dict[str, str | None]:
    """The ids a log line about a letter carries."""
    return {"raw_id": letter.raw_id, "stage": letter.stage, "reason": letter.reason, "source": letter.source}

