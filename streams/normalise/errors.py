"""The reason codes of dead letters (every stage), and the exception that carries them.

This table is the one place the codes are defined; ``docs/dead-letters.md`` documents each
(a test keeps the two in step, and another checks that every code the package writes is here).
Never rename a code: consumers and alerts route on them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    stages: tuple[str, ...]
    meaning: str
    action: str
    replayable: bool  # worth `wirestream replay-dlq` once the cause is fixed (ingest letters never are: see docs)


EMPTY_PAYLOAD = "empty_payload"
TOO_LARGE = "too_large"
UNDECODABLE = "undecodable"
INVALID_JSON = "invalid_json"
INVALID_XML = "invalid_xml"
XML_ENTITIES = "xml_entities"
UNKNOWN_FORMAT = "unknown_format"
NOT_TEXT = "not_text"
NO_TEXT = "no_text"
SCHEMA_INVALID = "schema_invalid"
INVALID_ENVELOPE = "invalid_envelope"
INTERNAL_ERROR = "internal_error"
UNREADABLE = "unreadable"
KAFKA_REFUSED = "kafka_refused"

TABLE: tuple[Reason, ...] = (
    Reason(EMPTY_PAYLOAD, ("normalise",), "The payload is empty or only whitespace.",
           "Check the producer: it sent nothing. Usually not worth replaying.", False),
    Reason(TOO_LARGE, ("ingest", "normalise"), "The payload is larger than WIRE_MAX_ITEM_BYTES.",
           "Raise WIRE_MAX_ITEM_BYTES if such items are legitimate, then replay (an ingest letter: send the input again from where its message says it is).", True),
    Reason(UNDECODABLE, ("normalise",), "The bytes are not text in any known encoding (binary data, broken base64).",
           "Check what the producer sends on this source (a picture? a compressed file?).", False),
    Reason(INVALID_JSON, ("normalise", "dedup", "tag"), "JSON that does not parse (truncated, garbled), or an unreadable record between stages.",
           "Ask the source to resend; for a between-stages record, look for a producer writing to internal topics.", True),
    Reason(INVALID_XML, ("normalise",), "XML (or an XML feed) that is not well-formed, e.g. truncated.",
           "Ask the source to resend; replay after a parser fix if the document is valid.", True),
    Reason(XML_ENTITIES, ("normalise",), "The XML declares entities or other DTD content; refused unexpanded, nothing fetched (billion laughs, XXE).",
           "Treat as hostile unless the source is known; never relax the parser.", False),
    Reason(UNKNOWN_FORMAT, ("normalise",), "No supported wire format matches the content (or --format named an unknown one).",
           "Add the format, or fix the producer's routing; replay afterwards.", True),
    Reason(NOT_TEXT, ("normalise",), "A valid item that is not a story: pictures, video, metadata-only packages.",
           "Nothing, unless such items should become associations of a story.", False),
    Reason(NO_TEXT, ("normalise",), "A story item without any headline, description or body text.",
           "Check the source; replay after a parser fix if text was there.", True),
    Reason(SCHEMA_INVALID, ("normalise", "dedup", "tag"), "The item read does not fit the canonical schema (e.g. an impossible value).",
           "A parser or model bug: fix it, then replay.", True),
    Reason(INVALID_ENVELOPE, ("normalise",), "A wire.raw record that claims to be a RawItem envelope but does not match its schema.",
           "Fix the producer; replay resends the record's bytes as they were.", True),
    Reason(INTERNAL_ERROR, ("normalise", "dedup", "tag"), "A bug: the stage raised on this input (the item was kept, not lost).",
           "Report it with the dead letter; replay after the fix.", True),
    Reason(UNREADABLE, ("ingest",), "The drop folder could not read the file (permissions, an I/O error); the letter holds no bytes.",
           "Fix the file's permissions or storage, then move it from failed/ back into the drop folder.", False),
    Reason(KAFKA_REFUSED, ("ingest",), "Kafka refused the record for what it is (e.g. larger than the topic's max.message.bytes) although it is within WIRE_MAX_ITEM_BYTES.",
           "Align the topics' max.message.bytes with WIRE_MAX_ITEM_BYTES (wirestream creates them so), then move the file back into the drop folder.", False),
)

BY_CODE: dict[str, Reason] = {r.code: r for r in TABLE}
REASONS = frozenset(BY_CODE)


class NormaliseError(Exception):
    """Input the stage refuses: becomes a DeadLetter with `reason` at the entry point."""

    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        super().__init__(message)
        self.reason = reason
        self.message = message
