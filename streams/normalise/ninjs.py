"""IPTC ninjs 1.x (snake/lower case), 2.x (lower case) and 3.x (camelCase).

Accepts one item, a list of items, or a ``{total, item: [...]}`` wrapper. HTML bodies are
preferred to plain ones (plain ``body_text`` may glue paragraphs together); pictures and other
media are associations, not stories.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..models import Association
from . import agencies, formats, nitf
from .assemble import Draft
from .errors import NOT_TEXT, UNKNOWN_FORMAT, NormaliseError
from .text import html_to_text, split_paragraphs
from .timezones import parse_iso
from .xml import parse as parse_xml

NAME = "ninjs"
_TEXT_KEYS = frozenset(
    {"headline", "headlines", "body_text", "body_html", "body_xhtml", "bodies", "description_text",
     "description_html", "descriptions", "versioncreated", "firstcreated", "pubstatus", "byline",
     "slugline", "associations", "renditions"}
)
_MEDIA_TYPES = frozenset({"picture", "graphic", "video", "audio", "image", "photo"})
_WRAPPER_KEYS = ("item", "items", "data", "results")
_MAX_DEPTH = 4  # envelope levels searched for items


def _lower(obj: Any) -> Any:
    """Keys lower-cased at every level: ninjs 3 `versionCreated` reads like ninjs 2 `versioncreated`."""
    if isinstance(obj, dict):
        return {str(k).lower(): _lower(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower(v) for v in obj]
    return obj


def _unwrap(data: Any, depth: int = 0) -> list[Any] | None:
    """The ninjs items of a document: the object itself, a list of them, or the items inside an
    envelope (a search result ``{total, limit, offset, item: [...]}``, an API response
    ``{api_version, data: {item: {...}}}`` or ``{data: {items: [{meta, item}, ...]}}``). An object
    with ninjs item properties is an item; any other object is searched through its envelope keys
    (``item``, ``items``, ``data``, ``results``), a few levels deep."""
    if isinstance(data, list):
        out: list[Any] = []
        for element in data:
            if isinstance(element, dict):  # an item, or an entry's envelope such as {meta, item}
                out.extend(_unwrap(element, depth + 1) or [])
            else:
                out.append(element)
        return out
    if not isinstance(data, dict):
        return None
    keys = {str(k).lower(): k for k in data}
    if depth < _MAX_DEPTH and not keys.keys() & _TEXT_KEYS:
        for key in _WRAPPER_KEYS:
            inner = data.get(keys[key]) if key in keys else None
            if isinstance(inner, (list, dict)):
                found = _unwrap(inner, depth + 1)
                if found or isinstance(inner, list):
                    return found
    return [data]


def sniff_json(data: Any) -> int:
    items = [i for i in (_unwrap(data) or []) if isinstance(i, dict)]
    score = 0
    for item in items[:8]:
        keys = {str(k).lower() for k in item}
        if keys & _TEXT_KEYS:
            return 2
        if keys & {"uri", "type", "mimetype", "mime_type", "standard", "version"}:
            score = 1
    return score


def parse(data: Any) -> list[Draft]:
    items = _unwrap(data)
    if items is None:
        raise NormaliseError(UNKNOWN_FORMAT, "JSON is neither a ninjs object nor a list of them")
    drafts, media = [], Counter()
    for raw in items:
        if not isinstance(raw, dict):
            continue
        item = _lower(raw)
        kind = str(item.get("type") or "text").lower()
        if kind in _MEDIA_TYPES:
            media[kind] += 1
            continue
        drafts.append(_item(item))
    if not drafts:
        found = ", ".join(f"{n} {kind}" for kind, n in media.items()) or "nothing"
        raise NormaliseError(NOT_TEXT if media else UNKNOWN_FORMAT, f"no ninjs text item (found: {found})")
    return drafts


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _str(v: Any) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, dict):
        return _str(v.get("name") or v.get("value") or v.get("literal"))
    return None


def _role_value(values: Any, preferred: tuple[str, ...]) -> str | None:
    if isinstance(values, str):
        return values
    if not isinstance(values, list):
        return None
    entries = [v for v in values if isinstance(v, dict) and isinstance(v.get("value"), str)]
    for role in preferred:
        for e in entries:
            if str(e.get("role", "")).lower() == role:
                return e["value"]
    return entries[0]["value"] if entries else None


def _item(item: dict[str, Any]) -> Draft:
    d = Draft(format=NAME)
    d.type = "text"
    d.uri = _str(item.get("uri")) or _str(item.get("guid"))
    d.version = _str(item.get("version"))
    d.versioncreated = parse_iso(_str(item.get("versioncreated")), warnings=d.warnings)
    d.firstcreated = parse_iso(_str(item.get("firstcreated")), warnings=d.warnings)
    d.embargoed = parse_iso(_str(item.get("embargoed")), warnings=d.warnings)
    d.pubstatus = _str(item.get("pubstatus"))
    d.urgency = item.get("urgency") if isinstance(item.get("urgency"), (int, str)) else None
    d.language = _str(item.get("language"))
    d.headline = _str(item.get("headline")) or _role_value(item.get("headlines"), ("main", "headline", "title")) or _str(item.get("title"))
    d.slugline = _str(item.get("slugline"))
    d.byline = _str(item.get("byline")) or _str(item.get("by"))
    d.located = _located(_str(item.get("located")), d.byline, d.warnings)
    d.url = _str(item.get("url"))
    d.evolvedfrom = _str(item.get("evolvedfrom"))
    desc = _str(item.get("description_text")) or _role_value(item.get("descriptions"), ("summary", "lead", "abstract", "text"))
    if not desc and isinstance(item.get("description_html"), str):
        desc = " ".join(html_to_text(item["description_html"]).paragraphs)
    d.description_text = desc

    for key in ("subject", "subjects"):
        for s in _list(item.get(key)):
            if isinstance(s, dict):
                subj = formats.subject(code=_str(s.get("code")) or _str(s.get("literal")), name=_str(s.get("name")), scheme=_str(s.get("scheme")), uri=_str(s.get("uri")))
                if subj:
                    d.subjects.append(subj)
    for kw in _list(item.get("keywords")):
        if isinstance(kw, str):
            d.keywords.append(kw)
    for sig in _list(item.get("signals")):
        s = formats.signal_from_code(_str(sig) if not isinstance(sig, dict) else _str(sig.get("uri") or sig.get("name")))
        if s:
            d.signals.append(s)

    holder = _str(item.get("copyrightholder"))
    provider = item.get("provider")
    d.provider = _str(provider) or holder
    d.agency = agencies.canonical(holder) or agencies.from_code(holder) or agencies.from_code(_str(provider))

    _body(item, d)
    formats.byline_paragraph(d)
    if not d.body and (rendition := _text_rendition(item.get("renditions"))):
        d.warnings.append(f"no body: the text is in the separate {rendition!r} rendition, not included")
    _associations(item.get("associations"), d)
    return d


def _located(located: str | None, byline: str | None, warnings: list[str]) -> str | None:
    """`located` names the story's place; one that is the start of the byline is a byline (name and
    affiliation) copied into the wrong field, not a place."""
    if located and byline and byline.casefold().startswith(located.strip().casefold()):
        warnings.append(f"located {located!r} repeats the byline, not read as a place")
        return None
    return located


def _text_rendition(renditions: Any) -> str | None:
    """The name of a text rendition (e.g. a NITF download) of an item that carries no body itself."""
    pairs = renditions.items() if isinstance(renditions, dict) else enumerate(_list(renditions))
    for name, r in pairs:
        if isinstance(r, dict) and (str(r.get("type", "")).lower() == "text" or str(r.get("mimetype", "")).lower().startswith("text/")):
            return str(r.get("name") or name)
    return None


def _body(item: dict[str, Any], d: Draft) -> None:
    for key in ("body_html", "body_xhtml"):
        if isinstance(item.get(key), str) and item[key].strip():
            out = html_to_text(item[key])
            if out.paragraphs:
                d.body, d.captions = out.paragraphs, out.captions
                return
    bodies = [b for b in _list(item.get("bodies")) if isinstance(b, dict) and isinstance(b.get("value"), str)]
    ranked = sorted(((r, b) for b in bodies if (r := _rank(b)) is not None), key=lambda rb: rb[0])
    for _, b in ranked:
        value = b["value"]
        ctype = str(b.get("contenttype", "")).lower()
        role = str(b.get("role", "")).lower()
        if "nitf" in ctype or role == "nitf":
            nd = nitf.draft(parse_xml(value), fmt=NAME)
            paragraphs, captions = nd.body, nd.captions
            d.byline = d.byline or nd.byline
        elif "html" in ctype or "html" in role:
            out = html_to_text(value)
            paragraphs, captions = out.paragraphs, out.captions
        else:
            paragraphs, captions = split_paragraphs(value), []
        if paragraphs:
            d.body, d.captions = paragraphs, captions
            return
    if isinstance(item.get("body_text"), str):
        d.body = split_paragraphs(item["body_text"])


def _rank(body: dict[str, Any]) -> int | None:
    ctype = str(body.get("contenttype", "")).lower()
    role = str(body.get("role", "")).lower()
    if "html" in ctype or role in ("html", "html5", "xhtml", "richhtml5"):
        return 1 if "rich" in role else 0
    if "nitf" in ctype or role == "nitf":
        return 2
    if ctype.startswith("text/plain") or role in ("text", "plain", "body"):
        return 3
    return None


def _associations(assoc: Any, d: Draft) -> None:
    if isinstance(assoc, dict):
        pairs = [(str(k), v) for k, v in assoc.items()]
    elif isinstance(assoc, list):
        pairs = [(str(v.get("name") or f"{v.get('type') or 'item'}{i}"), v) for i, v in enumerate(assoc, 1) if isinstance(v, dict)]
    else:
        return
    for key, a in pairs:
        if not isinstance(a, dict):
            continue
        desc = _str(a.get("description_text")) or _role_value(a.get("descriptions"), ("caption", "text", "summary"))
        head = _str(a.get("headline")) or _role_value(a.get("headlines"), ("main",))
        d.associations[key] = Association(type=_str(a.get("type")) or "picture", uri=_str(a.get("uri")), headline=head, description_text=desc)
