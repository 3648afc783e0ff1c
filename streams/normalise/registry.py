"""Format detection: an ordered list of cheap structural sniffers, one parser module per format.

Detection looks at structure only (JSON keys, XML root element and namespace). The producer's
``format_hint`` breaks ties between equally good candidates; ``force_format`` skips detection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import anpa1312, feeds, htmlpage, iptc7901, jsonfeed, newsml12, newsml_g2, ninjs, nitf, plaintext
from .assemble import Draft
from .errors import INVALID_JSON, UNKNOWN_FORMAT, NormaliseError
from .xml import parse as parse_xml
from .xml import root_tag

_JSONISH = re.compile(r'^\s*(?:\{\s*(?:"|\}|$)|\[\s*(?:\{|\]|"|$))')
_HTML_ROOTS = frozenset(
    {"html", "head", "body", "p", "div", "span", "script", "style", "article", "section", "main", "header",
     "h1", "h2", "h3", "h4", "h5", "h6", "a", "b", "i", "em", "strong", "ul", "ol", "li", "table", "img",
     "br", "figure", "blockquote", "iframe", "meta", "link", "title", "noscript", "form", "pre", "font", "center"}
)
_UNSET: Any = object()


@dataclass
class Document:
    """The decoded payload, with its JSON / XML parsed at most once."""

    text: str
    _json: Any = field(default=_UNSET, repr=False)
    _json_error: str | None = field(default=None, repr=False)
    _root: Any = field(default=_UNSET, repr=False)

    @property
    def looks_json(self) -> bool:
        return _JSONISH.match(self.text[:64]) is not None

    @property
    def teletype(self) -> bool:
        """Transmission control characters (SOH/STX) near the start: ANPA-1312 or IPTC 7901."""
        head = self.text[:64]
        return "\x01" in head or "\x02" in head

    @property
    def looks_xml(self) -> bool:
        return self.text.lstrip()[:1] == "<"

    def json(self) -> Any:
        if self._json is _UNSET:
            try:
                self._json = orjson.loads(self.text)
            except orjson.JSONDecodeError as exc:
                self._json, self._json_error = None, str(exc)
        if self._json_error:
            raise NormaliseError(INVALID_JSON, f"invalid JSON: {self._json_error}")
        return self._json

    def root_info(self) -> tuple[str, str, tuple[str, ...]] | None:
        return root_tag(self.text[:65536]) if self.looks_xml else None

    def xml(self):
        if self._root is _UNSET:
            self._root = parse_xml(self.text)
        return self._root


@dataclass(frozen=True)
class Format:
    name: str
    sniff: Callable[[Document], int]  # 0 no, 1 weak, 2 strong
    parse: Callable[[Document], list[Draft]]


def _sniff_ninjs(doc: Document) -> int:
    if not doc.looks_json:
        return 0
    try:
        data = doc.json()
    except NormaliseError:
        return 1  # JSON-shaped but broken: the ninjs parser reports invalid_json
    return 0 if jsonfeed.sniff_json(data) else ninjs.sniff_json(data)


def _sniff_jsonfeed(doc: Document) -> int:
    if not doc.looks_json:
        return 0
    try:
        return jsonfeed.sniff_json(doc.json())
    except NormaliseError:
        return 0


def _xml_sniffer(module) -> Callable[[Document], int]:
    def sniff(doc: Document) -> int:
        info = doc.root_info()
        if info is None:
            return 0
        name, _raw, namespaces = info
        return module.sniff_root(name, namespaces)

    return sniff


def _sniff_text(doc: Document) -> int:
    if doc.looks_json or doc.teletype:
        return 0
    info = doc.root_info()
    if info is None:
        return 1
    name = info[0].lower()
    if name in _HTML_ROOTS or doc.text.lstrip()[:14].lower() == "<!doctype html":
        return 1
    return 0  # some other XML vocabulary: not ours


FORMATS_ORDERED: tuple[Format, ...] = (
    Format(ninjs.NAME, _sniff_ninjs, lambda doc: ninjs.parse(doc.json())),
    Format(newsml_g2.NAME, _xml_sniffer(newsml_g2), lambda doc: newsml_g2.parse(doc.xml())),
    Format(newsml12.NAME, _xml_sniffer(newsml12), lambda doc: newsml12.parse(doc.xml())),
    Format(nitf.NAME, _xml_sniffer(nitf), lambda doc: nitf.parse(doc.xml())),
    Format(feeds.NAME, _xml_sniffer(feeds), lambda doc: feeds.parse(doc.xml())),
    Format(jsonfeed.NAME, _sniff_jsonfeed, lambda doc: jsonfeed.parse(doc.json())),
    Format(anpa1312.NAME, lambda doc: anpa1312.sniff(doc.text) if doc.teletype else 0, lambda doc: anpa1312.parse(doc.text)),
    Format(iptc7901.NAME, lambda doc: iptc7901.sniff(doc.text) if doc.teletype else 0, lambda doc: iptc7901.parse(doc.text)),
    Format(htmlpage.NAME, lambda doc: htmlpage.sniff(doc.text) if doc.looks_xml else 0, lambda doc: htmlpage.parse(doc.text)),
    Format(plaintext.NAME, _sniff_text, lambda doc: plaintext.parse(doc.text)),
)
BY_NAME = {f.name: f for f in FORMATS_ORDERED}
FORMATS: tuple[str, ...] = tuple(BY_NAME)

ALIASES = {
    "ninjs": "ninjs", "json": "ninjs",
    "newsml-g2": "newsml-g2", "newsmlg2": "newsml-g2", "g2": "newsml-g2", "newsml_g2": "newsml-g2",
    "newsml-1.2": "newsml-1.2", "newsml12": "newsml-1.2", "newsml1.2": "newsml-1.2", "newsml": "newsml-1.2",
    "nitf": "nitf",
    "rss-atom": "rss-atom", "rss": "rss-atom", "atom": "rss-atom", "feed": "rss-atom",
    "json-feed": "json-feed", "jsonfeed": "json-feed",
    "iptc-7901": "iptc-7901", "iptc7901": "iptc-7901", "7901": "iptc-7901",
    "anpa-1312": "anpa-1312", "anpa": "anpa-1312", "anpa1312": "anpa-1312",
    "text": "text", "plaintext": "text", "plain": "text", "txt": "text",
    "html": "html", "htm": "html", "webpage": "html",
}


def canonical_name(name: str | None) -> str | None:
    if not name:
        return None
    return ALIASES.get(name.strip().lower())


def detect(doc: Document, hint: str | None = None) -> str:
    """The format of a document. Raises NormaliseError(unknown_format) when nothing fits."""
    scores = [(f.name, f.sniff(doc)) for f in FORMATS_ORDERED]
    best = max(s for _, s in scores)
    if best == 0:
        info = doc.root_info()
        what = f"XML root <{info[1]}>" if info else "JSON" if doc.looks_json else "input"
        raise NormaliseError(UNKNOWN_FORMAT, f"{what} is not a supported wire format")
    candidates = [name for name, s in scores if s == best]
    hint = canonical_name(hint)
    if hint in candidates:
        return hint
    return candidates[0]
