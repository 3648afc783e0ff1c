"""NITF 3.x: ``hl1``, byline, dateline, docdata dates (basic ISO), urgency, management-status."""

from __future__ import annotations

import re

from lxml import etree

from . import agencies, formats, layout
from .assemble import Draft
from .text import element_to_text
from .timezones import parse_iso
from .xml import attr, child, children, descendants, first, local, text_of

NAME = "nitf"


def sniff_root(name: str, namespaces: tuple[str, ...]) -> int:
    return 2 if name.lower() == "nitf" else 0


def parse(root: etree._Element) -> list[Draft]:
    return [draft(root)]


def draft(root: etree._Element, *, fmt: str = NAME) -> Draft:
    """A Draft from an ``<nitf>`` element (also used for NITF inside NewsML and ninjs)."""
    d = Draft(format=fmt)
    head = child(root, "head")
    body = child(root, "body")
    body_head = child(body, "body.head")

    d.headline = text_of(first(child(body_head, "hedline"), "hl1")) or text_of(child(head, "title"))
    byline = child(body_head, "byline")
    if byline is not None:
        d.byline = _byline(byline)
    dl = child(body_head, "dateline")
    dl_text = text_of(child(dl, "location")) or text_of(dl)
    if formats.date_only(dl_text):
        d.warnings.append(f"dateline element holds only a date/time ({dl_text!r}): not read as the dateline")
    elif dl_text:
        d.dateline = formats.dateline(dl_text)
        d.located = d.dateline.place if d.dateline else None
    distributor = text_of(child(body_head, "distributor"))
    if distributor:
        d.provider = distributor
        d.agency = agencies.canonical(distributor)
    abstract = child(body_head, "abstract")
    if abstract is not None:
        d.description_text = " ".join(element_to_text(abstract).paragraphs)

    docdata = child(head, "docdata")
    # ed-urg sometimes sits outside docdata: take the first urgency anywhere in head
    urgency = first(head, "urgency")
    d.urgency = attr(urgency, "ed-urg")
    issue = attr(child(docdata, "date.issue"), "norm")
    release = attr(child(docdata, "date.release"), "norm")
    pub = attr(child(head, "pubdata"), "date.publication")
    d.versioncreated = parse_iso(issue, warnings=d.warnings) or parse_iso(pub, warnings=d.warnings)
    status = attr(child(docdata, "management-status"), "info") or text_of(child(docdata, "management-status"))
    if status:
        d.pubstatus = status
        sig = formats.signal_from_code(status)
        if sig:
            d.signals.append(sig)
    if release:
        embargo = parse_iso(release, warnings=d.warnings)
        if embargo is not None:
            d.embargoed = embargo
            d.signals.append("embargo")
    doc_id = child(docdata, "doc-id")
    d.uri = attr(doc_id, "id-string")
    d.version = attr(child(docdata, "du-key"), "version")
    holder = attr(child(docdata, "doc.copyright"), "holder")
    if holder and not d.provider:
        d.provider = holder
    # The agency: the distributor, else the copyright holder, else the doc-id's registering source.
    d.agency = d.agency or _agency(holder) or _agency(attr(doc_id, "regsrc"))
    for ed in children(docdata, "ed-msg"):
        info = attr(ed, "info") or text_of(ed)
        sig = formats.signal_from_code(attr(ed, "msg-type"))
        if sig:
            d.signals.append(sig)
        if info:
            d.warnings.append(f"editor's note: {info[:200]}")
    for kw in descendants(child(docdata, "key-list"), "keyword"):
        if attr(kw, "key"):
            d.keywords.append(attr(kw, "key"))
    for s in descendants(head, "tobject.subject"):
        ref = attr(s, "tobject.subject.refnum")
        name = attr(s, "tobject.subject.detail") or attr(s, "tobject.subject.matter") or attr(s, "tobject.subject.type")
        subj = formats.subject(code=f"subj:{ref}" if ref else None, name=name, scheme="subj" if ref else None)
        if subj:
            d.subjects.append(subj)
    d.language = attr(root, "baselang") or attr(root, "{http://www.w3.org/XML/1998/namespace}lang")

    content = child(body, "body.content")
    if content is None and body is None:
        content = first(root, "body.content")
    if content is not None:
        _drop_media_credits(content)
        layout.prepare_body(content)
        text = element_to_text(content)
        d.body = text.paragraphs
        d.captions = text.captions
        formats.byline_paragraph(d)
        _drop_signature(d)
        formats.drop_rights_notice(d)
    return d


_MEDIA_NOT_TEXT = frozenset({"media-producer", "media-metadata", "media-object", "media-reference"})


def _drop_media_credits(content: etree._Element) -> None:
    """A ``<media>`` block's producer credit, metadata and object are not story (its caption is
    a caption)."""
    for media in list(descendants(content, "media")):
        for el in [c for c in media if isinstance(c.tag, str) and local(c) in _MEDIA_NOT_TEXT]:
            media.remove(el)


def _drop_signature(d: Draft) -> None:
    """The desk's sign-off as the last paragraph ("AFP sn", "AAP RTV gfr"): an agency name and
    initials, not story."""
    if not d.body:
        return
    words = d.body[-1].split()
    if 2 <= len(words) <= 4 and agencies.canonical(words[0]) and all(w.isalpha() and len(w) <= 4 for w in words[1:]):
        d.body = d.body[:-1]


def _byline(byline: etree._Element) -> str | None:
    """The byline's words without its title (``<byttl>``): "By<person>Jane Doe</person>
    <byttl>Staff Writer</byttl>" is "By Jane Doe"; the parts are separated by spaces. A byline
    holding only a title is that title."""
    parts = [byline.text or ""]
    for el in byline:
        if isinstance(el.tag, str) and local(el) != "byttl":
            parts.append(" ".join(el.itertext()))
        parts.append(el.tail or "")
    text = " ".join(" ".join(parts).split())
    if not re.sub(r"^by\b", "", text, flags=re.IGNORECASE).strip():
        # Only a title ("<byttl>Sports Network</byttl>"): the credit is the byline.
        text = " ".join(" ".join(byline.itertext()).split())
    return text or None


_RIGHTS_TAIL = re.compile(r"(?:[.,;]\s*|\s+)(?:all rights reserved|alle rechte vorbehalten|tous droits r\u00e9serv\u00e9s).*$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:\(c\)|\u00a9|copyright)\s*(?:\d{4}\s*)?", re.IGNORECASE)


def _agency(text: str | None) -> str | None:
    """A known agency named by a copyright holder or registering source ("The Canadian Press. All
    rights reserved.", "(c) 2024 Agence France-Presse", "AP")."""
    if not text or not text.strip():
        return None
    name = _RIGHTS_TAIL.sub("", _COPYRIGHT.sub("", text.strip())).strip(" .,;")
    return agencies.canonical(name) or agencies.from_code(name)


def is_nitf(el: etree._Element) -> bool:
    return local(el).lower() == "nitf"
