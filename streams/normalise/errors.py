"""Reason codes of the normalise stage and the exception that carries them to the entry point."""

from __future__ import annotations

# Stable reason codes written into DeadLetter.reason. Never rename one: consumers route on them.
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
INTERNAL_ERROR = "internal_error"

REASONS = frozenset(
    {
        EMPTY_PAYLOAD,
        TOO_LARGE,
        UNDECODABLE,
        INVALID_JSON,
        INVALID_XML,
        XML_ENTITIES,
        UNKNOWN_FORMAT,
        NOT_TEXT,
        NO_TEXT,
        SCHEMA_INVALID,
        INTERNAL_ERROR,
    }
)


class NormaliseError(Exception):
    """Input the stage refuses: becomes a DeadLetter with `reason` at the entry point."""

    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        super().__init__(message)
        self.reason = reason
        self.message = message
