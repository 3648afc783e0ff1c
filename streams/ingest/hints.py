"""Format hints and content types from file names and Content-Type headers.

A hint only breaks ties: the normaliser detects the format by content. ``.xml`` gives no hint on
purpose (NewsML-G2, NewsML 1.2, NITF and feeds all use it).
"""

from __future__ import annotations

from pathlib import PurePath

# extension -> (format hint, content type)
_BY_EXTENSION: dict[str, tuple[str | None, str]] = {
    ".json": ("ninjs", "application/json"),
    ".ninjs": ("ninjs", "application/json"),
    ".xml": (None, "application/xml"),
    ".nitf": ("nitf", "application/xml"),
    ".g2": ("newsml-g2", "application/xml"),
    ".newsml": (None, "application/xml"),
    ".rss": ("rss", "application/rss+xml"),
    ".atom": ("atom", "application/atom+xml"),
    ".txt": ("text", "text/plain"),
    ".text": ("text", "text/plain"),
    ".html": ("text", "text/html"),
    ".htm": ("text", "text/html"),
}

# media type (without parameters) -> format hint
_BY_MEDIA_TYPE: dict[str, str | None] = {
    "application/json": "ninjs",
    "application/ninjs+json": "ninjs",
    "application/vnd.iptc.ninjs+json": "ninjs",
    "application/feed+json": "jsonfeed",
    "application/xml": None,
    "text/xml": None,
    "application/vnd.iptc.g2.newsitem+xml": "newsml-g2",
    "application/vnd.iptc.g2.newsmessage+xml": "newsml-g2",
    "application/nitf+xml": "nitf",
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "text/plain": "text",
    "text/html": "text",
    "application/xhtml+xml": "text",
    "application/octet-stream": None,
}


def for_filename(name: str) -> tuple[str | None, str | None]:
    """(format hint, content type) for a file name; (None, None) when the extension is unknown."""
    return _BY_EXTENSION.get(PurePath(name).suffix.lower(), (None, None))


def media_type(content_type: str | None) -> str:
    """'Application/JSON; charset=utf-8' -> 'application/json'."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_supported_media_type(content_type: str | None) -> bool:
    """Whether an HTTP push with this Content-Type can be a wire item (absent = accepted)."""
    kind = media_type(content_type)
    if not kind:
        return True
    return kind in _BY_MEDIA_TYPE or kind.endswith(("+json", "+xml"))


def for_media_type(content_type: str | None) -> str | None:
    kind = media_type(content_type)
    if kind in _BY_MEDIA_TYPE:
        return _BY_MEDIA_TYPE[kind]
    if kind.endswith("+json"):
        return "ninjs"
    return None
