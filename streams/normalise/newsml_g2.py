"""NewsML-G2: a bare ``newsItem``, the items of a ``newsMessage``, or a ``contentSet`` fragment.

Bodies: inline NITF, XHTML, HTML (also in CDATA of an ``inlineData``) or bare text. Picture items
of a message become associations of its text items; video/audio items are not stories.
"""

from __future__ import annotations

import re

from lxml import etree

from ..models import Association
from . import agencies, formats, layout, nitf
from .assemble import Draft
from .errors import NOT_TEXT, NormaliseError
from .text import element_to_text, html_to_text, is_html_like, split_paragraphs
from .timezones import parse_iso
from .xml import attr, child, children, descendants, local, remove_keeping_tail, text_of

NAME = "newsml-g2"
_NAR = "iptc.org/std/nar/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ROOTS = {"newsitem": 2, "newsmessage": 2, "packageitem": 2, "conceptitem": 2, "knowledgeitem": 2,
          "planningitem": 2, "catalogitem": 2, "contentset": 2, "inlinexml": 1}
_TEXT_CLASSES = ("text", "composite")
_PICTURE_CLASSES = ("picture", "graphic")
# Values some systems write into empty fields ("No-Data-Available"): not a place or a name.
_PLACEHOLDER = re.compile(r"^(?:no[\s_-]*data[\s_-]*available|n/?a|none|null|unknown|not available|-+)$", re.IGNORECASE)


def sniff_root(name: str, namespaces: tuple[str, ...]) -> int:
    score = _ROOTS.get(name.lower(), 0)
    if name in ("NewsItem",) or name.lower() in ("rss", "feed", "rdf", "html"):
        return 0  # NewsML 1.2's spelling; feeds and pages that merely declare IPTC namespaces
    if any(_NAR in ns for ns in namespaces):
        # Another vocabulary's root that merely declares the NewsML-G2 namespace (NITF documents
        # do, for their qcodes) is G2 only when no format claims it for itself.
        score = max(score, 1)
    return score


def parse(root: etree._Element) -> list[Draft]:
    name = local(root)
    if name == "newsMessage":
        items = [i for s in children(root, "itemSet") for i in s if isinstance(i.tag, str)]
    elif name in ("contentSet", "inlineXML"):
        d = Draft(format=NAME)
        d.warnings.append("NewsML-G2 fragment without item metadata")
        _content(list(root) if name == "contentSet" else [root], d)
        return [d]
    else:
        items = [root]
    drafts: list[Draft] = []
    pictures: list[Association] = []
    skipped: list[str] = []
    others: list[str] = []
    for item in items:
        kind = local(item)
        cls = (attr(child(item, "itemMeta", "itemClass"), "qcode") or "ninat:text").rsplit(":", 1)[-1].lower()
        if kind != "newsItem":
            others.append(_describe_other(item, kind, cls))
            continue  # packageItem, conceptItem, planningItem...: metadata, not stories
        if cls in _PICTURE_CLASSES:
            pictures.append(_picture(item, cls))
        elif cls in _TEXT_CLASSES:
            drafts.append(_item(item))
        else:
            skipped.append(cls)
    if not drafts:
        classes = skipped + [p.type for p in pictures]
        found = ([f"news items of class {', '.join(classes)}"] if classes else []) + others
        what = "; ".join(found) or ("an empty newsMessage" if name == "newsMessage" else f"no item (root <{name}>)")
        raise NormaliseError(NOT_TEXT, f"NewsML-G2 holds no text item (found: {what})")
    for d in drafts:
        for i, pic in enumerate(pictures, 1):
            d.associations.setdefault(f"picture{i}", pic)
        if skipped:
            d.warnings.append(f"non-text items skipped: {', '.join(skipped)}")
    return drafts


def _describe_other(item: etree._Element, kind: str, cls: str) -> str:
    """A package (or other non-news item) for a dead letter's message: what it is and, for a
    package, the classes of the items it only references (their content is not in the document)."""
    if kind != "packageItem":
        return f"a {kind}"
    refs = [(attr(child(ref, "itemClass"), "qcode") or "?").rsplit(":", 1)[-1] for ref in descendants(item, "itemRef")]
    counts = ", ".join(f"{refs.count(c)} {c}" for c in dict.fromkeys(refs))
    return f"a packageItem ({cls}) referencing {len(refs)} item(s){f' ({counts})' if refs else ''}, not containing them"


def _picture(item: etree._Element, cls: str) -> Association:
    cm = child(item, "contentMeta")
    caption = next((text_of(x) for x in children(cm, "description")), None)
    return Association(type=cls, uri=attr(item, "guid"), headline=text_of(child(cm, "headline")) or None, description_text=caption)


def _item(item: etree._Element) -> Draft:
    d = Draft(format=NAME, uri=attr(item, "guid"), version=attr(item, "version"))
    d.language = attr(item, _XML_LANG)
    meta = child(item, "itemMeta")
    d.versioncreated = parse_iso(text_of(child(meta, "versionCreated")), warnings=d.warnings)
    d.firstcreated = parse_iso(text_of(child(meta, "firstCreated")), warnings=d.warnings)
    embargo = child(meta, "embargoed")
    if embargo is not None and text_of(embargo):
        d.embargoed = parse_iso(text_of(embargo), warnings=d.warnings)
    d.pubstatus = attr(child(meta, "pubStatus"), "qcode")
    for sig in children(meta, "signal"):
        s = formats.signal_from_code(attr(sig, "qcode") or attr(sig, "uri"))
        if s:
            d.signals.append(s)
    for link in children(meta, "link"):
        rel = (attr(link, "rel") or "").lower()
        if "previousversion" in rel or "evolvedfrom" in rel:
            d.evolvedfrom = attr(link, "residref") or attr(link, "href")
    provider = child(meta, "provider")
    provider_code = attr(provider, "qcode") or attr(provider, "literal") or attr(provider, "uri")
    provider_name = text_of(child(provider, "name"))
    d.provider = agencies.from_code(provider_code) or provider_name or _code_value(provider_code)

    cm = child(item, "contentMeta")
    d.urgency = text_of(child(cm, "urgency")) or None
    if d.firstcreated is None:
        d.firstcreated = parse_iso(text_of(child(cm, "contentCreated")), warnings=d.warnings)
    if d.versioncreated is None and d.firstcreated is not None:
        # An empty versionCreated (archives): the creation time is the best time of the item.
        d.versioncreated = d.firstcreated
        d.derived.append("versioncreated")
    located = child(cm, "located")
    if located is not None:
        d.located = _value(text_of(child(located, "name")) or attr(located, "literal") or _code_value(attr(located, "qcode")))
    by = child(cm, "by")
    creator = child(cm, "creator")
    d.byline = _value(text_of(by)) or _value(text_of(child(creator, "name"))) or None
    lang = child(cm, "language")
    d.language = d.language or attr(lang, "tag")
    for subj in children(cm, "subject"):
        s = formats.subject(code=attr(subj, "qcode"), name=text_of(child(subj, "name")), uri=attr(subj, "uri"))
        if s:
            d.subjects.append(s)
    for kw in children(cm, "keyword"):
        if text_of(kw):
            d.keywords.append(text_of(kw))
    headlines = list(children(cm, "headline"))
    main = next((h for h in headlines if (attr(h, "role") or "main").endswith("main")), headlines[0] if headlines else None)
    d.headline = text_of(main) or None
    d.slugline = text_of(child(cm, "slugline")) or None
    for desc in children(cm, "description"):
        role = (attr(desc, "role") or "").lower()
        if "caption" not in role or d.description_text is None:
            d.description_text = text_of(desc)
    dl = child(cm, "dateline")
    dl_text = _value(text_of(dl))
    if formats.date_only(dl_text):
        d.warnings.append(f"dateline element holds only a date/time ({dl_text!r}): not read as the dateline")
    elif dl_text:
        d.dateline = formats.dateline(dl_text)

    # Agency: a known wire among the info sources, the provider or the copyright holder.
    candidates = []
    for src in children(cm, "infoSource"):
        candidates += [text_of(child(src, "name")), attr(src, "qcode"), attr(src, "literal")]
    candidates += [provider_code, provider_name, text_of(child(child(item, "rightsInfo"), "copyrightHolder", "name"))]
    d.agency = next((a for a in (agencies.from_code(c) or agencies.canonical(c) for c in candidates if c) if a), None)

    cs = child(item, "contentSet")
    _content(list(cs) if cs is not None else [], d)
    formats.byline_paragraph(d)
    formats.drop_rights_notice(d)
    return d


def _value(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if not text or _PLACEHOLDER.match(text) else text


def _code_value(code: str | None) -> str | None:
    if not code:
        return None
    return code.rsplit(":", 1)[-1] if ":" in code and not code.startswith("http") else code


def _content(elements: list[etree._Element], d: Draft) -> None:
    """Fill the body from the best inline content among a contentSet's children."""
    best: tuple[int, list[str], list[str]] | None = None
    for el in elements:
        if not isinstance(el.tag, str):
            continue
        name = local(el)
        ctype = (attr(el, "contenttype") or "").lower()
        paragraphs: list[str] = []
        captions: list[str] = []
        rank = 9
        if name == "inlineXML":
            inner = next((c for c in el if isinstance(c.tag, str)), None)
            if inner is not None and nitf.is_nitf(inner):
                nd = nitf.draft(inner, fmt=NAME)
                paragraphs, captions, rank = nd.body, nd.captions, 0
                d.headline = d.headline or nd.headline
                d.byline = d.byline or nd.byline
                d.description_text = d.description_text or nd.description_text
                if d.dateline is None:
                    d.dateline = nd.dateline
            elif inner is not None:
                _drop_header(inner, d)
                layout.prepare_body(inner)
                out = element_to_text(inner)
                paragraphs, captions, rank = out.paragraphs, out.captions, 1
                if out.headings and not d.headline:
                    d.headline = out.headings[0]
            elif el.text and el.text.strip():
                paragraphs, rank = split_paragraphs(el.text), 2
        elif name == "inlineData":
            raw = el.text or ""
            if "html" in ctype or is_html_like(raw):
                out = html_to_text(raw)
                paragraphs, captions, rank = out.paragraphs, out.captions, 1
            else:
                paragraphs, rank = split_paragraphs(raw), 2
        if paragraphs and (best is None or rank < best[0]):
            best = (rank, paragraphs, captions)
    if best:
        d.body, d.captions = best[1], best[2]


def _drop_header(html: etree._Element, d: Draft) -> None:
    """An XHTML body's ``<header>`` holds the item's metadata again (slugline list, publication
    time, genre, the headline as ``<h1>``), not story: it is left out; its ``<h1>`` is the
    headline when the item has none."""
    for header in [el for el in descendants(html, "header")]:
        if header.getparent() is None:
            continue
        if not d.headline:
            h1 = next(descendants(header, "h1"), None)
            if h1 is not None:
                d.headline = " ".join(" ".join(h1.itertext()).split()) or None
        remove_keeping_tail(header)
