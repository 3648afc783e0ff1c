"""RSS 2.0 (also 0.9x and 1.0) and Atom feeds: one item per entry, read with feedparser.

Safety: the document is first parsed with the package's safe XML parser (entity declarations
refused, nothing fetched, not-well-formed input is a dead letter); feedparser then gets bytes in
a stream, never a string it could take for a URL or a file name, and never resolves entities.

Agencies extend entries with their own namespaces (priority, version, real body text...);
such children are read by local name whatever their prefix. Media RSS captions are taken out
before feedparser sees the entry (it would otherwise mix them into the summary or content) and
become picture associations.
"""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml import etree

from ..models import Association
from . import agencies, datelines, formats, teletype
from .assemble import Draft
from .errors import NO_TEXT, NormaliseError
from .text import html_to_text, is_html_like, split_paragraphs
from .timezones import parse_iso
from .xml import local

NAME = "rss-atom"

_ATOM = "http://www.w3.org/2005/Atom"
_MRSS = "http://search.yahoo.com/mrss/"
# Namespaces feedparser already maps to standard fields: not agency extensions.
_KNOWN_NS = (
    _ATOM, _MRSS, "http://purl.org/dc/", "http://purl.org/rss/1.0/", "http://www.w3.org/1999/02/22-rdf",
    "http://www.itunes.com/", "http://www.georss.org/", "http://www.w3.org/2003/01/geo/", "http://purl.org/syndication/",
    "http://backend.userland.com/", "http://wellformedweb.org/", "http://www.w3.org/1999/xhtml", "http://www.w3.org/2005/Atom",
    "http://search.yahoo.com/", "http://purl.org/atompub/",
)
_ROOTS = {"rss": 2, "rdf": 2, "feed": 2, "channel": 1}
_QCODE = re.compile(r"^[a-z][a-z0-9-]{1,15}:[\w.\-]+$")
_CAPTION_TAGS = frozenset({"description", "title", "text"})


def sniff_root(name: str, namespaces: tuple[str, ...]) -> int:
    lname = name.lower()
    if lname == "feed":
        return 2 if any("Atom" in ns or "purl.org/atom" in ns for ns in namespaces) else 1
    if lname == "rdf":
        return 2 if any("purl.org/rss" in ns for ns in namespaces) else 0
    return _ROOTS.get(lname, 0)


def parse(root: etree._Element) -> list[Draft]:
    entries_el = [el for el in root.iter() if isinstance(el.tag, str) and local(el) in ("item", "entry")]
    extras = [_take_extras(el) for el in entries_el]
    data = etree.tostring(root, encoding="utf-8")
    # A stream, never a str: feedparser treats a str as a URL or file name to open.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    if not entries:
        raise NormaliseError(NO_TEXT, "feed without entries")
    provider = _feed_provider(feed)
    feed_lang = feed.get("language")
    drafts = []
    for i, entry in enumerate(entries):
        ext, captions = extras[i] if i < len(extras) else ({}, [])
        drafts.append(_entry(entry, ext, captions, provider, feed_lang, parsed.get("version") or ""))
    return drafts


def _take_extras(el: etree._Element) -> tuple[dict[str, str], list[Association]]:
    """Agency extension children (by local name) and Media RSS pictures; captions removed."""
    ext: dict[str, str] = {}
    pictures: list[Association] = []
    for child in list(el):
        if not isinstance(child.tag, str):
            continue
        ns = child.tag[1:].split("}", 1)[0] if child.tag.startswith("{") else ""
        if ns == _MRSS:
            pictures.extend(_media(child))
            continue
        if ns and not ns.startswith(_KNOWN_NS):
            text = " ".join("".join(child.itertext()).split()) or (child.get("value") or child.get("qcode") or "")
            name = local(child).lower()
            if text and name not in ext:
                ext[name] = text
    for media in [c for c in el.iter(f"{{{_MRSS}}}*")]:
        if local(media) in _CAPTION_TAGS and media.getparent() is not None:
            media.getparent().remove(media)
    return ext, pictures


def _media(el: etree._Element) -> list[Association]:
    name = local(el)
    if name == "group":
        return [a for c in el if isinstance(c.tag, str) for a in _media(c)]
    if name not in ("content", "thumbnail"):
        return []
    medium = (el.get("medium") or el.get("type") or "image").lower()
    if not any(k in medium for k in ("image", "picture", "photo")) or name == "thumbnail":
        return []
    caption = next((" ".join("".join(c.itertext()).split()) for c in el if isinstance(c.tag, str) and local(c) in ("description", "text")), None)
    title = next((" ".join("".join(c.itertext()).split()) for c in el if isinstance(c.tag, str) and local(c) == "title"), None)
    return [Association(type="picture", uri=el.get("url"), headline=title or None, description_text=caption or None)]


def _feed_provider(feed: Any) -> str | None:
    for key in ("publisher", "author", "rights", "title"):
        value = feed.get(key)
        if value:
            found = agencies.canonical(value) or agencies.from_code(value)
            if found or key in ("publisher", "author"):
                return found or value
    link = feed.get("link") or ""
    return agencies.from_code(link) or feed.get("title") or None


def _entry(entry: Any, ext: dict[str, str], pictures: list[Association], provider: str | None, feed_lang: str | None, version: str) -> Draft:
    d = Draft(format=NAME)
    d.uri = entry.get("id") or entry.get("link")
    d.url = entry.get("link")
    title = entry.get("title_detail") or {}
    d.headline = _plain(title.get("value") or entry.get("title") or "", title.get("type"))
    d.byline = entry.get("author") or None
    if d.byline and "@" in d.byline and "(" in d.byline:
        d.byline = d.byline.split("(", 1)[1].rstrip(")")  # RSS "mail@x (Name)"
    published = _time(entry.get("published_parsed"))
    updated = _time(dict.get(entry, "updated_parsed"))  # plain dict access: no published->updated fallback
    d.versioncreated = updated or published
    d.firstcreated = published
    d.language = (title.get("language") or feed_lang) or None

    body, body_type = _best_body(entry)
    summary = entry.get("summary_detail") or {}
    if body is not None:
        out = to_paragraphs(body, body_type)
        d.body, d.captions = out
        s = _plain(summary.get("value") or "", summary.get("type"))
        if s and not any(s[:60] in p for p in d.body[:2]):
            d.description_text = s
    elif summary.get("value"):
        d.body, d.captions = to_paragraphs(summary["value"], summary.get("type"))

    for tag in entry.get("tags") or []:
        subj = _subject(tag.get("term"), tag.get("scheme"), tag.get("label"))
        if subj:
            d.subjects.append(subj)

    _apply_extensions(d, ext)
    d.provider = provider
    for i, pic in enumerate(pictures, 1):
        d.associations[f"picture{i}"] = pic
    if not d.uri:
        d.warnings.append(f"{version or 'feed'} entry without id or link")
    return d


def _subject(term: str | None, scheme: str | None, label: str | None):
    """IPTC codes kept as codes (a cv.iptc.org URI or scheme+term, a qcode); other categories by name."""
    term = (term or "").strip()
    if "://" in term:
        return formats.subject(uri=term, name=label)
    if term and scheme and "iptc.org" in scheme:
        return formats.subject(uri=f"{scheme.rstrip('/')}/{term}", name=label)
    if _QCODE.match(term):
        return formats.subject(code=term, name=label)
    return formats.subject(name=label or term, scheme=scheme)


def _apply_extensions(d: Draft, ext: dict[str, str]) -> None:
    if not ext:
        return
    for key in ("urgency", "priority"):
        if key in ext:
            d.urgency = teletype.urgency_of_word(ext[key])
            if d.urgency is None:
                d.warnings.append(f"unknown {key} {ext[key][:20]!r}")
            break
    if "version" in ext:
        d.version = ext["version"]
    for key in ("signal", "edstatus", "status", "pubstatus"):
        if key in ext:
            sig = formats.signal_from_code(ext[key])
            if sig:
                d.signals.append(sig)
            if key.endswith("status"):
                d.pubstatus = ext[key]
    for key in ("body", "text", "bodytext", "fulltext"):
        value = ext.get(key)
        if value and len(value) > len(" ".join(d.body)):
            d.body = split_paragraphs(value)  # the agency's full text where the feed has a teaser
            break
    if "dateline" in ext and not (d.body and (lead := datelines.find(d.body[0])) and lead.agency):
        d.dateline = formats.dateline(ext["dateline"])  # the lead's own dateline names the agency: it wins
    for key in ("agency", "credit", "source", "provider"):
        if key in ext:
            d.agency = agencies.canonical(ext[key]) or agencies.from_code(ext[key]) or ext[key]
            break
    if "language" in ext or "lang" in ext:
        d.language = ext.get("language") or ext.get("lang")
    if "slugline" in ext or "keyword" in ext:
        d.slugline = ext.get("slugline") or ext.get("keyword")
    if "embargo" in ext or "embargoed" in ext:
        d.embargoed = parse_iso(ext.get("embargo") or ext.get("embargoed"), warnings=d.warnings)
        if d.embargoed:
            d.signals.append("embargo")
    if "evolvedfrom" in ext or "replaces" in ext:
        d.evolvedfrom = ext.get("evolvedfrom") or ext.get("replaces")


def _best_body(entry: Any) -> tuple[str | None, str | None]:
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    if not contents:
        return None, None
    best = max(contents, key=lambda c: len(c["value"]))
    return best["value"], best.get("type")


def to_paragraphs(value: str, ctype: str | None) -> tuple[list[str], list[str]]:
    if (ctype and "html" in ctype) or is_html_like(value):
        out = html_to_text(value)
        return out.paragraphs, out.captions
    return split_paragraphs(value), []


def _plain(value: str, ctype: str | None) -> str:
    if (ctype and "html" in ctype and "<" in value) or is_html_like(value):
        return " ".join(html_to_text(value).paragraphs)
    return value


def _time(value: time.struct_time | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)  # feedparser gives UTC
    except (TypeError, ValueError):
        return None
