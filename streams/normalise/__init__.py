"""The normalise stage: any supported wire format in, canonical `WireItem`s (or a `DeadLetter`) out.

    normalise(raw)                  -> list[WireItem] | DeadLetter
    normalise(raw, force_format=…)  skips detection (names in FORMATS)
    normalise(raw, max_bytes=…)     size limit (default: WIRE_MAX_ITEM_BYTES's default)
    detect_format(raw)              -> a name in FORMATS, or "unknown"

The core is pure and synchronous: no Kafka, no Faust. It never raises for bad input; everything
it refuses becomes a DeadLetter with a stable reason code (see `errors.REASONS`).
"""

from __future__ import annotations

from ..models import DeadLetter, RawItem, WireItem
from ..settings import Settings
from . import registry
from .assemble import build
from .decode import decode_payload
from .errors import INTERNAL_ERROR, REASONS, UNKNOWN_FORMAT, NormaliseError
from .registry import FORMATS

__all__ = ["FORMATS", "REASONS", "detect_format", "normalise"]

STAGE = "normalise"
# The one size limit: WIRE_MAX_ITEM_BYTES. Callers with settings pass theirs; the pure core does
# not read the environment, so without one it applies the setting's default.
DEFAULT_MAX_BYTES: int = Settings.model_fields["max_item_bytes"].default


def detect_format(raw: RawItem) -> str:
    """The detected format name (one of FORMATS), or "unknown" when nothing fits or decoding fails."""
    try:
        text, _ = decode_payload(raw, max_bytes=DEFAULT_MAX_BYTES)
        return registry.detect(registry.Document(text), raw.format_hint)
    except NormaliseError:
        return "unknown"


def normalise(
    raw: RawItem, *, force_format: str | None = None, max_bytes: int | None = None
) -> list[WireItem] | DeadLetter:
    fmt: str | None = None
    try:
        text, warnings = decode_payload(raw, max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes)
        doc = registry.Document(text)
        if force_format is not None:
            fmt = registry.canonical_name(force_format)
            if fmt is None:
                raise NormaliseError(UNKNOWN_FORMAT, f"forced format {force_format!r} is not one of {', '.join(FORMATS)}")
        else:
            fmt = registry.detect(doc, raw.format_hint)
        drafts = registry.BY_NAME[fmt].parse(doc)
        return build(raw, drafts, warnings)
    except NormaliseError as exc:
        return DeadLetter.for_raw(raw, stage=STAGE, reason=exc.reason, message=exc.message, format=fmt)
    except RecursionError:
        return DeadLetter.for_raw(raw, stage=STAGE, reason=INTERNAL_ERROR, message="input nested too deeply", format=fmt)
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the stream: dead-letter it
        return DeadLetter.for_raw(
            raw, stage=STAGE, reason=INTERNAL_ERROR, message=f"{type(exc).__name__}: {exc}"[:500], format=fmt
        )
