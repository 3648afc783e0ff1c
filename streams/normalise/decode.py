"""From a RawItem's payload to text: size limit, BOMs, UTF-8 first, declared or legacy fallbacks.

The size limit is WIRE_MAX_ITEM_BYTES (``Settings.max_item_bytes``); the entry point passes it in.
"""

from __future__ import annotations

import codecs
import re

from ..models import RawItem
from .errors import EMPTY_PAYLOAD, TOO_LARGE, UNDECODABLE, NormaliseError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")


def payload_size(raw: RawItem) -> int:
    """The payload's size in bytes as received, without decoding a base64 payload."""
    payload = raw.payload
    if raw.payload_encoding == "base64":
        return len(payload) * 3 // 4 - len(payload) + len(payload.rstrip("="))
    if payload.isascii():
        return len(payload)
    return len(payload.encode("utf-8", "surrogatepass"))


def check_size(raw: RawItem, max_bytes: int) -> None:
    # Cheap bounds first: a character is 1-4 UTF-8 bytes.
    if raw.payload_encoding == "text" and len(raw.payload) * 4 <= max_bytes:
        return
    size = payload_size(raw)
    if size > max_bytes:
        raise NormaliseError(TOO_LARGE, f"payload of {size} bytes is larger than the limit of {max_bytes} (WIRE_MAX_ITEM_BYTES)")


def decode_payload(raw: RawItem, *, max_bytes: int | None = None) -> tuple[str, list[str]]:
    """The payload as text, plus warnings about how it was decoded.

    Refuses payloads larger than `max_bytes` before decoding anything. UTF-8 is tried first
    (whatever a document declares: declarations are often wrong), then the encoding an XML
    declaration names, then cp1252, then latin-1 (which always succeeds).
    """
    if max_bytes is not None:
        check_size(raw, max_bytes)
    if raw.payload_encoding == "text":
        text, warnings = raw.payload.lstrip("\ufeff"), []
    else:
        try:
            data = raw.payload_bytes()
        except ValueError as exc:
            raise NormaliseError(UNDECODABLE, f"payload is not valid base64: {exc}") from None
        text, warnings = decode_bytes(data)
    if not text.strip():
        raise NormaliseError(EMPTY_PAYLOAD, "payload is empty or only whitespace")
    if _looks_binary(text):
        raise NormaliseError(UNDECODABLE, "payload is binary data, not text in any known encoding")
    return text, warnings


# Control characters other than layout ones. Teletype formats (ANPA-1312, IPTC 7901) carry a
# handful of them per item; binary data decoded as latin-1 is full of them.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
BINARY_CONTROL_SHARE = 0.10


# The ASCII members of _CONTROL: in ASCII text, bytes.translate counts them (by deleting them)
# several times faster than the regex finds them.
_ASCII_CONTROL = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    if sample.isascii():
        data = sample.encode("ascii")
        controls = len(data) - len(data.translate(None, _ASCII_CONTROL))
    else:
        controls = len(_CONTROL.findall(sample))
    return controls > BINARY_CONTROL_SHARE * len(sample)


def decode_bytes(data: bytes) -> tuple[str, list[str]]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), []
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    declared = _XML_DECL_ENCODING.match(data)
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            return data.decode(name), [f"payload decoded as declared encoding {name} (not valid UTF-8)"]
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("cp1252"), ["payload is not valid UTF-8: decoded as cp1252"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), ["payload is not valid UTF-8: decoded as latin-1"]
