"""NewsML 1.2: NewsItems with NewsManagement times (basic ISO) and nested NewsComponents.

The story text is the ContentItem of the component whose Role is the body (or, without roles,
the first text ContentItem); headline, dateline and byline come from the NewsLines nearest it.
"""

from __future__ import annotations

from lxml import etree

from . import agencies, formats, layout, nitf
from .assemble import Draft
from .errors import NOT_TEXT, NormaliseError
from .text import element_to_text, html_to_text, is_html_like, split_paragraphs
from .timezones import parse_iso
from .xml import attr, child, children, descendants, local, text_of

NAME = "newsml-1.2"
_BODY_ROLES = {"body", "main", "text", "story", "article"}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def sniff_root(name: str, namespaces: tuple[str, ...]) -> int:
    return 2 if name == "NewsML" or name == "NewsItem" else 0


def parse(root: etree._Element) -> list[Draft]:
    envelope = child(root, "NewsEnvelope")
    items = [root] if local(root) == "NewsItem" else list(children(root, "NewsItem"))
    drafts = [_item(i, envelope) for i in items]
    drafts = [d for d in drafts if d is not None]
    if not drafts:
        raise NormaliseError(NOT_TEXT, "NewsML 1.2 holds no text NewsItem")
    return drafts


def _fn(el: etree._Element | None) -> str | None:
    return attr(el, "FormalName")


def _item(item: etree._Element, envelope: etree._Element | None) -> Draft | None:
    d = Draft(format=NAME)
    ident = child(item, "Identification", "NewsIdentifier")
    d.uri = text_of(child(ident, "PublicIdentifier")) or None
    rev = child(ident, "RevisionId")
    d.version = text_of(rev) or None
    prev = attr(rev, "PreviousRevision")
    if d.uri and prev and prev != "0" and d.uri.rsplit(":", 1)[-1] == d.version:
        d.evolvedfrom = f"{d.uri.rsplit(':', 1)[0]}:{prev}"
    if (attr(rev, "Update") or "N").upper() in ("A", "U"):
        d.signals.append("update")
    provider_id = text_of(child(ident, "ProviderId"))

    mgmt = child(item, "NewsManagement")
    d.firstcreated = parse_iso(text_of(child(mgmt, "FirstCreated")), warnings=d.warnings)
    d.versioncreated = parse_iso(text_of(child(mgmt, "ThisRevisionCreated")), warnings=d.warnings) or d.firstcreated
    d.pubstatus = _fn(child(mgmt, "Status"))
    d.urgency = _fn(child(mgmt, "Urgency")) or _fn(child(envelope, "Priority"))
    for el in children(mgmt, "Instruction"):
        sig = formats.signal_from_code(_fn(el))
        if sig:
            d.signals.append(sig)
    item_type = (_fn(child(mgmt, "NewsItemType")) or "News").lower()
    if item_type in ("alert", "advisory"):
        d.signals.append("advisory")

    top = child(item, "NewsComponent")
    body_ci, body_nc = _body(top)
    if body_ci is None and top is None:
        return None
    # Metadata from the component chain, nearest to the body first.
    chain = []
    el = body_nc
    while el is not None and el is not item:
        if local(el) == "NewsComponent":
            chain.append(el)
        el = el.getparent()
    if not chain and top is not None:
        chain = [top]
    for nc in chain:
        lines = child(nc, "NewsLines")
        d.headline = d.headline or text_of(child(lines, "HeadLine")) or None
        d.slugline = d.slugline or text_of(child(lines, "SlugLine")) or None
        d.byline = d.byline or text_of(child(lines, "ByLine")) or None
        if d.dateline is None and text_of(child(lines, "DateLine")):
            d.dateline = formats.dateline(text_of(child(lines, "DateLine")))
        dm = child(nc, "DescriptiveMetadata")
        d.language = d.language or _fn(child(dm, "Language"))
        for sc in children(dm, "SubjectCode"):
            for s in sc:
                if isinstance(s.tag, str) and _fn(s):
                    subj = formats.subject(code=f"subj:{_fn(s)}", scheme="subj")
                    if subj:
                        d.subjects.append(subj)
        for loc in children(dm, "Location"):
            for p in children(loc, "Property"):
                if attr(p, "FormalName") == "City" and not d.located:
                    d.located = attr(p, "Value")
        for p in children(dm, "Property"):
            if attr(p, "FormalName") == "Keyword" and not attr(p, "Role") and attr(p, "Value"):
                d.keywords.append(attr(p, "Value"))
        adm = child(nc, "AdministrativeMetadata")
        party = child(child(adm, "Provider"), "Party")
        d.provider = d.provider or _fn(party)
        creator = child(child(adm, "Creator"), "Party")
        d.byline = d.byline or _fn(creator)
    d.language = d.language or attr(item, _XML_LANG)
    if d.dateline and not d.located:
        d.located = d.dateline.place
    if not d.provider:
        sent = child(child(envelope, "SentFrom"), "Party")
        d.provider = _fn(sent) or provider_id
    d.agency = agencies.from_code(provider_id) or agencies.canonical(d.provider) or (d.dateline.agency if d.dateline else None)

    if body_ci is not None:
        _fill_body(body_ci, d)
        formats.drop_rights_notice(d)
    return d


def _role(nc: etree._Element) -> str | None:
    r = _fn(child(nc, "Role"))
    return r.lower() if r else None


def _is_text_item(ci: etree._Element) -> bool:
    media = (_fn(child(ci, "MediaType")) or "").lower()
    mime = (_fn(child(ci, "MimeType")) or "").lower()
    fmt = (_fn(child(ci, "Format")) or "").lower()
    if media and media != "text":
        return False
    if mime and not (mime.startswith("text/") or "xml" in mime or "html" in mime) or mime == "text/css":
        return False
    if fmt in ("css",):
        return False
    return child(ci, "DataContent") is not None


def _body(top: etree._Element | None) -> tuple[etree._Element | None, etree._Element | None]:
    """(ContentItem, its NewsComponent) holding the story text."""
    if top is None:
        return None, None
    fallback = None
    for nc in [top, *descendants(top, "NewsComponent")]:
        role = _role(nc)
        for ci in children(nc, "ContentItem"):
            if not _is_text_item(ci):
                continue
            if role in _BODY_ROLES:
                return ci, nc
            if role is None and fallback is None:
                fallback = (ci, nc)
    return fallback or (None, None)


def _fill_body(ci: etree._Element, d: Draft) -> None:
    data = child(ci, "DataContent")
    inner = next((c for c in data if isinstance(c.tag, str)), None) if data is not None else None
    if inner is not None and nitf.is_nitf(inner):
        nd = nitf.draft(inner, fmt=NAME)
        d.body, d.captions = nd.body, nd.captions
        d.headline = d.headline or nd.headline
        d.byline = d.byline or nd.byline
    elif inner is not None:
        layout.prepare_body(inner)
        out = element_to_text(inner)
        d.body, d.captions = out.paragraphs, out.captions
    elif data is not None and data.text:
        raw = data.text
        if is_html_like(raw):
            out = html_to_text(raw)
            d.body, d.captions = out.paragraphs, out.captions
        else:
            d.body = split_paragraphs(raw, lines_are_paragraphs=False)
