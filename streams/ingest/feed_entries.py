"""Split an RSS 2.0, RSS 1.0 (RDF), Atom or JSON Feed document into one document per entry.

Each entry travels as a complete feed document holding that entry alone: the root element with
all its namespace declarations, the channel/feed metadata, then the entry. The normaliser can
read it with any feed parser (one item per entry), and nothing the entry's markup depends on
(namespaces, the feed's title or base link) is lost. XML is parsed safely (no entities, no DTD,
no network: `streams.normalise.xml`).
"""

from __future__ import annotations

import codecs
import copy
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import orjson
from lxml import etree

from ..normalise.errors import NormaliseError
from ..normalise.xml import parse as parse_xml

ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
JSONFEED_PREFIX = "https://jsonfeed.org/version/"

CONTENT_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "jsonfeed": "application/feed+json"}


class NotAFeed(ValueError):
    """The document is not a feed we can split (or not well-formed)."""


@dataclass(frozen=True)
class Entry:
    """One entry and the single-entry feed document that carries it."""

    id: str
    link: str | None
    published: str | None  # ISO 8601 UTC when parseable, else as written
    updated: str | None
    title: str | None
    payload: bytes
    format: str  # rss, atom or jsonfeed

    @property
    def version(self) -> str:
        """What distinguishes versions of one entry: its update time, else its publication time."""
        return self.updated or self.published or ""

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _ns(tag: object) -> str | None:
    return etree.QName(tag).namespace if isinstance(tag, str) else None


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    value = " ".join("".join(element.itertext()).split())
    return value or None


def _child(parent: etree._Element, local: str, namespaces: tuple[str | None, ...]) -> etree._Element | None:
    for child in parent:
        if _local(child.tag) == local and _ns(child.tag) in namespaces:
            return child
    return None


def iso_time(value: str | None) -> str | None:
    """RFC 822 (RSS) or RFC 3339 (Atom, JSON Feed) time as ISO 8601 UTC; unparseable: as given."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _fallback_id(payload_part: bytes) -> str:
    return "sha256:" + hashlib.sha256(payload_part).hexdigest()


def _document(root: etree._Element, container: etree._Element, entry: etree._Element, entry_tag: str) -> bytes:
    """root, with container's non-entry children, holding only `entry`."""
    new_root = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    new_root.text = root.text
    if container is root:
        for child in root:
            if child.tag != entry_tag:
                new_root.append(copy.deepcopy(child))
        new_root.append(copy.deepcopy(entry))
    else:
        for child in root:
            if child is container:
                holder = etree.SubElement(new_root, container.tag, attrib=dict(container.attrib), nsmap=container.nsmap)
                holder.text = container.text
                for inner in container:
                    if inner.tag != entry_tag:
                        holder.append(copy.deepcopy(inner))
                holder.append(copy.deepcopy(entry))
            else:
                new_root.append(copy.deepcopy(child))
    return etree.tostring(new_root, xml_declaration=True, encoding="UTF-8")


def _rss_entries(root: etree._Element) -> list[Entry]:
    channel = _child(root, "channel", (None,))
    if channel is None:
        raise NotAFeed("RSS document without <channel>")
    out = []
    for item in channel:
        if _local(item.tag) != "item" or _ns(item.tag) is not None:
            continue
        guid = _text(_child(item, "guid", (None,)))
        link = _text(_child(item, "link", (None,)))
        payload = _document(root, channel, item, item.tag)
        published = iso_time(_text(_child(item, "pubDate", (None,))) or _text(_child(item, "date", (DC,))))
        updated = iso_time(_text(_child(item, "updated", (ATOM,))))
        out.append(
            Entry(
                id=guid or link or _fallback_id(etree.tostring(item)),
                link=link,
                published=published,
                updated=updated,
                title=_text(_child(item, "title", (None,))),
                payload=payload,
                format="rss",
            )
        )
    return out


def _rdf_entries(root: etree._Element) -> list[Entry]:
    out = []
    for item in root:
        if _local(item.tag) != "item" or _ns(item.tag) != RSS1:
            continue
        about = item.get(f"{{{RDF}}}about")
        link = _text(_child(item, "link", (RSS1,)))
        out.append(
            Entry(
                id=about or link or _fallback_id(etree.tostring(item)),
                link=link,
                published=iso_time(_text(_child(item, "date", (DC,)))),
                updated=None,
                title=_text(_child(item, "title", (RSS1,))),
                payload=_document(root, root, item, item.tag),
                format="rss",
            )
        )
    return out


def _atom_link(entry: etree._Element) -> str | None:
    fallback = None
    for link in entry:
        if _local(link.tag) == "link" and _ns(link.tag) == ATOM and link.get("href"):
            rel = link.get("rel", "alternate")
            if rel == "alternate":
                return link.get("href")
            fallback = fallback or link.get("href")
    return fallback


def _atom_entries(root: etree._Element) -> list[Entry]:
    out = []
    for entry in root:
        if _local(entry.tag) != "entry" or _ns(entry.tag) != ATOM:
            continue
        link = _atom_link(entry)
        out.append(
            Entry(
                id=_text(_child(entry, "id", (ATOM,))) or link or _fallback_id(etree.tostring(entry)),
                link=link,
                published=iso_time(_text(_child(entry, "published", (ATOM,)))),
                updated=iso_time(_text(_child(entry, "updated", (ATOM,)))),
                title=_text(_child(entry, "title", (ATOM,))),
                payload=_document(root, root, entry, entry.tag),
                format="atom",
            )
        )
    return out


def _json_feed_entries(doc: dict) -> list[Entry]:
    items = doc.get("items")
    if not isinstance(items, list):
        raise NotAFeed("JSON Feed without an items list")
    head = {k: v for k, v in doc.items() if k != "items"}
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        payload = orjson.dumps({**head, "items": [item]})
        link = item.get("url") if isinstance(item.get("url"), str) else None
        item_id = item.get("id")
        out.append(
            Entry(
                id=str(item_id) if item_id not in (None, "") else link or _fallback_id(orjson.dumps(item)),
                link=link,
                published=iso_time(item.get("date_published") if isinstance(item.get("date_published"), str) else None),
                updated=iso_time(item.get("date_modified") if isinstance(item.get("date_modified"), str) else None),
                title=item.get("title") if isinstance(item.get("title"), str) else None,
                payload=payload,
                format="jsonfeed",
            )
        )
    return out


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def decode_xml(data: bytes, charset: str | None = None) -> str:
    """XML bytes as text: BOM, then the XML declaration's encoding, then the HTTP charset, then UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    match = _XML_ENCODING.match(data[:200])
    for name in (match.group(1).decode() if match else None, charset, "utf-8"):
        if not name:
            continue
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        return data.decode(name, errors="replace")
    return data.decode("utf-8", errors="replace")


def split_feed(data: bytes, charset: str | None = None) -> list[Entry]:
    """The entries of a feed document, in document order. Raises NotAFeed."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"{":
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise NotAFeed(f"invalid JSON: {exc}") from exc
        if isinstance(doc, dict) and str(doc.get("version", "")).startswith(JSONFEED_PREFIX):
            return _json_feed_entries(doc)
        raise NotAFeed("JSON that is not a JSON Feed")
    try:
        root = parse_xml(decode_xml(data, charset))
    except NormaliseError as exc:
        raise NotAFeed(f"{exc.reason}: {exc}") from exc
    name, namespace = _local(root.tag), _ns(root.tag)
    if name == "rss" and namespace is None:
        return _rss_entries(root)
    if name == "RDF" and namespace == RDF:
        return _rdf_entries(root)
    if name == "feed" and namespace == ATOM:
        return _atom_entries(root)
    raise NotAFeed(f"XML root <{root.tag}> is not RSS or Atom")
