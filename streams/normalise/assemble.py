"""From a format module's `Draft` to a validated `WireItem`: the rules every format shares.

Format modules fill what their source carries; this module cleans every text field, derives what
is missing (headline, dateline, agency, located, language) and records it in `derived`, and
builds the URI, signals and pubstatus consistently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from ..models import Association, Dateline, ItemSource, Pubstatus, RawItem, Subject, WireItem
from . import agencies, datelines, headline as headlines, language
from .errors import NO_TEXT, SCHEMA_INVALID, NormaliseError
from .text import clean_line, clean_paragraphs

SIGNALS = ("update", "correction", "refile", "kill", "embargo", "withhold", "advisory")
_URL_SCHEMES = ("http://", "https://")
_LANG_MIN_PROB = 0.5
_BY = re.compile(r"^(?:by|von|par|por|di|av)\s+", re.IGNORECASE)


@dataclass
class Draft:
    """What a format module read from one story. Text fields may still be dirty."""

    format: str
    uri: str | None = None
    type: str = "text"
    version: str | None = None
    versioncreated: datetime | None = None
    firstcreated: datetime | None = None
    embargoed: datetime | None = None
    pubstatus: str | None = None
    urgency: int | str | None = None
    language: str | None = None
    headline: str | None = None
    slugline: str | None = None
    byline: str | None = None
    description_text: str | None = None
    body: list[str] = field(default_factory=list)
    located: str | None = None
    dateline: Dateline | None = None
    subjects: list[Subject] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    agency: str | None = None
    provider: str | None = None
    signals: list[str] = field(default_factory=list)
    evolvedfrom: str | None = None
    url: str | None = None
    associations: dict[str, Association] = field(default_factory=dict)
    captions: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fallback_uri(raw: RawItem, index: int, count: int) -> str:
    base = f"urn:wirestream:{raw.source}:{raw.id}"
    return f"{base}:{index}" if count > 1 or index else base


def pubstatus_of(value: str | None) -> Pubstatus | None:
    if not value:
        return None
    v = value.strip().lower().rsplit(":", 1)[-1]
    if v in ("usable", "active", "published"):
        return Pubstatus.usable
    if v in ("withheld", "embargoed", "held"):
        return Pubstatus.withheld
    if v in ("canceled", "cancelled", "kill", "killed", "withdrawn", "deleted", "retracted"):
        return Pubstatus.canceled
    return None


def build(raw: RawItem, drafts: list[Draft], warnings: list[str]) -> list[WireItem]:
    """WireItems for the drafts; drafts without any text are dropped (all dropped: no_text)."""
    items: list[WireItem] = []
    skipped = 0
    stories = [d for d in drafts if _has_text(d)]
    skipped = len(drafts) - len(stories)
    if not stories:
        raise NormaliseError(NO_TEXT, "no headline, description or body text found")
    for index, draft in enumerate(stories):
        extra = list(warnings)
        if skipped:
            extra.append(f"{skipped} item(s) without text skipped")
        items.append(_build_one(raw, draft, index, len(stories), extra))
    return items


def _has_text(d: Draft) -> bool:
    return bool(clean_line(d.headline) or clean_line(d.description_text) or any(clean_line(p) for p in d.body))


def _lead(body: list[str]) -> str:
    """The first paragraph that is story: not an outlet's notice above it ("This story has not
    been edited by … staff and is auto-generated from a syndicated feed.") nor a rights line."""
    from .plaintext import is_copyright, is_notice  # plaintext builds on this module

    return next((p for p in body if not (is_notice(p) or is_copyright(p))), "")


def _build_one(raw: RawItem, d: Draft, index: int, count: int, warnings: list[str]) -> WireItem:
    derived = list(d.derived)
    warns = [*warnings, *d.warnings]
    signals = [s for s in d.signals if s]

    body = clean_paragraphs(d.body)
    head = headlines.strip_markers(clean_line(d.headline))
    head, head_signals = headlines.strip_signal_prefixes(head)
    signals.extend(head_signals)
    if body and head and body[0].casefold() == head.casefold():
        body = body[1:]  # the headline repeated as the first body line
    body_text = "\n\n".join(body)
    description = clean_line(d.description_text) or None
    if not head:
        head = headlines.derive(_lead(body)) or headlines.derive(description or "")
        if head:
            derived.append("headline")

    dateline = d.dateline
    found = datelines.find(body[0]) if body else None
    if dateline is None and found:
        dateline = Dateline(place=found.place, date_text=found.date_text, agency=found.agency, text=found.text)
        derived.append("dateline")
    agency = agencies.from_code(d.agency) or agencies.canonical(d.agency) or clean_line(d.agency) or None
    if not agency and dateline and dateline.agency:
        agency = dateline.agency
        derived.append("agency")
    located = clean_line(d.located) or None
    if not located and found and found.located:
        located = found.located
        derived.append("located")

    lang = language.normalise_tag(d.language)
    if d.language and not lang:
        warns.append(f"unusable language tag {d.language.strip()[:20]!r}")
    if not lang:
        detected, prob = language.detect(" ".join(filter(None, (head, description, body_text[:600]))))
        if detected and prob >= _LANG_MIN_PROB:
            lang = detected
            derived.append("language")

    status = pubstatus_of(d.pubstatus)
    if d.pubstatus and status is None:
        warns.append(f"unknown pubstatus {d.pubstatus.strip()[:30]!r}; taken as usable")
    status = status or Pubstatus.usable
    if status is Pubstatus.canceled:
        signals.append("kill")

    urgency = _urgency(d.urgency, warns)
    associations = dict(d.associations)
    if not associations:
        for i, cap in enumerate(d.captions, 1):
            text = clean_line(cap)
            if text:
                associations[f"picture{i}"] = Association(type="picture", description_text=text)

    try:
        return WireItem(
            uri=clean_line(d.uri) or fallback_uri(raw, index, count),
            raw_id=raw.id,
            item_index=index,
            type=d.type or "text",
            format=d.format,
            version=clean_line(d.version) or None,
            versioncreated=d.versioncreated,
            firstcreated=d.firstcreated,
            embargoed=d.embargoed,
            pubstatus=status,
            urgency=urgency,
            language=lang,
            headline=head,
            slugline=clean_line(d.slugline) or None,
            byline=_BY.sub("", clean_line(d.byline)) or None,
            description_text=description,
            body_text=body_text,
            located=located,
            dateline=_clean_dateline(dateline),
            subjects=d.subjects,
            keywords=_unique(clean_line(k) for k in d.keywords),
            source=ItemSource(
                agency=agency,
                provider=agencies.from_code(d.provider) or clean_line(d.provider) or None,
                channel=raw.source,
            ),
            signals=_unique(signals),
            evolvedfrom=clean_line(d.evolvedfrom) or None,
            url=_safe_url(d.url),
            associations={k: _clean_association(a) for k, a in associations.items()},
            derived=_unique(derived),
            received_at=raw.received_at,
            warnings=_unique(clean_line(w) for w in warns),  # they quote the input: defanged too
        )
    except ValidationError as exc:
        raise NormaliseError(SCHEMA_INVALID, f"item does not fit the schema: {exc.errors()[:3]}") from None


def _urgency(value: int | str | None, warns: list[str]) -> int | None:
    if value is None or value == "":
        return None
    try:
        u = int(str(value).strip())
    except ValueError:
        warns.append(f"non-numeric urgency {str(value)[:20]!r} ignored")
        return None
    if 1 <= u <= 9:
        return u
    warns.append(f"urgency {u} outside 1-9 ignored")
    return None


def _safe_url(url: str | None) -> str | None:
    url = clean_line(url)
    return url if url.lower().startswith(_URL_SCHEMES) else None


def _clean_dateline(d: Dateline | None) -> Dateline | None:
    if d is None:
        return None
    out = Dateline(
        place=clean_line(d.place) or None,
        date_text=clean_line(d.date_text) or None,
        agency=clean_line(d.agency) or None,
        text=clean_line(d.text) or None,
    )
    return out if any((out.place, out.date_text, out.agency, out.text)) else None


def _clean_association(a: Association) -> Association:
    uri = clean_line(a.uri) or None
    if uri and uri.lower().startswith(("javascript:", "data:", "vbscript:")):
        uri = None
    return Association(
        type=clean_line(a.type) or "picture",
        uri=uri,
        headline=clean_line(a.headline) or None,
        description_text=clean_line(a.description_text) or None,
    )


def _unique(values) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        if v and v not in seen:
            seen[v] = None
    return list(seen)
