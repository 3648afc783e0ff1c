"""Datelines at the head of a story: ``WASHINGTON, Dec 5 (Reuters) –``, ``PARIS (AFP) -``,
``CARACAS, Venezuela (AP) —``, ``NEW YORK /PRNewswire/ --``, ``KANSAS CITY, Mo.--(BUSINESS WIRE)--``,
``(ANSA) - ROMA, 5 DIC -``, ``(ANSA) - Rome, October 11 -``, a co-credit ``San Diego (tca/dpa) -``,
an agency named after the date without brackets ``SEOUL, Nov 26 AFP -``, and agency-less
``BERLIN —``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import agencies

_DASH = r"(?:\s*(?:-{1,3}|–|—|―|\.-|:)\s*)"
_MONTHISH = re.compile(
    r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|okt|dez|"
    r"ene|abr|ago|dic|gen|mag|giu|lug|set|ott|janv|févr|mars|avr|juin|juil|août|sept|déc)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDateline:
    place: str | None
    located: str | None
    date_text: str | None
    agency: str | None  # canonical name when known, else as written
    text: str  # the dateline as found (without the separating dash)
    end: int  # where the story text after the dateline starts


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    alt = agencies.spelling_pattern()
    head = r"(?P<head>[^\W\d_][^()\n/]{0,90}?)?"
    # A co-credit may stand before the agency inside the brackets ("(tca/dpa)").
    known = re.compile(
        rf"^{head}\s*(?:-{{1,2}}|–|—)?\s*[(/](?:[^()/\n]{{1,20}}/\s*)?(?P<agency>{alt})(?:\s*[,;/]\s*[^()/\n]{{0,40}})?[)/]"
        rf"(?P<after>\s*,?\s*[^()\n\-–—:]{{0,25}}?)?(?:\){{0,1}}){_DASH}(?=\S)",
        re.IGNORECASE,
    )
    agency_first = re.compile(
        rf"^\((?P<agency>{alt})\){_DASH}(?P<head>[^\W\d_][^()\n\-–—]{{0,60}}?)\s*(?:-{{1,2}}|–|—)\s*(?=\S)",
        re.IGNORECASE,
    )
    # A known agency's name after a dated head, without brackets: the date keeps prose out.
    bare_after_date = re.compile(
        rf"^(?P<head>[^\W\d_][^()\n]{{0,60}}?\d{{1,2}})\s+(?P<agency>{alt})\b{_DASH}(?=\S)",
    )
    unknown_agency = re.compile(
        r"^(?P<head>[A-Z][A-Z.'’\- ]{1,40}(?:,\s*[^()\n,]{1,30}){0,3})?\s*"
        r"\((?P<agency>[A-Z][\w&.'’\- ]{1,30})\)" + _DASH + r"(?=\S)"
    )
    no_agency = re.compile(
        r"^(?P<head>[A-Z][A-Z.'’\-]+(?: [A-Z][A-Z.'’\-]+){0,3}(?:,\s*[A-Z][\w.'’\-]*(?: [\w.'’\-]+){0,3}){0,2}"
        r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\.?\s+[A-Za-z]{3,9}\.?))?)\s*(?:--|–|—)\s*(?=\S)"
    )
    return known, agency_first, bare_after_date, unknown_agency, no_agency


_TRAILER = re.compile(r"(?<=[)/])\.?\s*(?:-{1,3}|–|—|―|:)?\s*$|\s*(?:-{1,3}|–|—|―|:)\s*$")
_CONNECTORS = frozenset({"de", "del", "da", "do", "di", "la", "le", "el", "al", "of", "on", "upon", "am", "an", "der", "sur", "en", "y", "and", "city"})


def _place_like(head: str, *, caps: bool) -> bool:
    """A dateline head: a few capitalised place words, then optional region and date segments."""
    if len(head.split()) > 12 or re.search(r"[.!?]\s+[A-Z]", head):
        return False
    first = head.split(",")[0].strip(" -–—")
    words = first.split()
    if not words or len(words) > 5:
        return False
    if caps and first.upper() != first:
        return False
    return all(w[0].isupper() or w.lower() in _CONNECTORS or not w[0].isalpha() for w in words)


def _split_head(head: str) -> tuple[str | None, str | None, str | None]:
    """(place, located, date_text) from 'WASHINGTON, Dec 5' / 'CARACAS, Venezuela'."""
    segments = [s.strip(" ,-–—") for s in head.split(",")]
    segments = [s for s in segments if s]
    places, dates = [], []
    for s in segments:
        if any(ch.isdigit() for ch in s) or (places and _MONTHISH.match(s) and len(s) <= 12):
            dates.append(s)
        else:
            places.append(s)
    place = places[0] if places else None
    return place, (", ".join(places) or None), (", ".join(dates) or None)


def find(paragraph: str) -> FoundDateline | None:
    """The dateline at the start of a paragraph, or None."""
    if not paragraph:
        return None
    snippet = paragraph[:200]
    known, agency_first, bare_after_date, unknown_agency, no_agency = _patterns()
    patterns = ((agency_first, True), (known, True), (bare_after_date, True), (unknown_agency, False), (no_agency, False))
    for pat, agency_known in patterns:
        m = pat.match(snippet)
        if not m:
            continue
        gd = m.groupdict()
        head = (gd.get("head") or "").strip()
        # After "(AGENCY) -" a place in capitals, or in title case with a date ("Rome, October 11"):
        # a title-case head without one may be the subject of a sentence.
        caps = pat is agency_first and not any(ch.isdigit() for ch in head)
        if head and not _place_like(head, caps=caps):
            continue  # a sentence, not a dateline
        place, located, date_text = _split_head(head) if head else (None, None, None)
        after = (gd.get("after") or "").strip(" ,")
        if after and not date_text and any(ch.isdigit() for ch in after):
            date_text = after
        written = gd.get("agency")
        agency = agencies.canonical(written) or (written.strip() if written else None)
        if not agency_known and written and not re.match(r"^[A-Z]", written):
            continue
        if not place and not agency:
            continue
        return FoundDateline(
            place=place,
            located=located,
            date_text=date_text,
            agency=agency,
            text=_TRAILER.sub("", m.group(0)),
            end=m.end(),
        )
    return None


def from_element(text: str | None) -> FoundDateline | None:
    """A dateline given on its own (NITF ``<dateline>``, NewsML ``DateLine``): 'Unnao',
    'KANSAS CITY, Mo.', 'Gaza City, Palestinian Territories, May 16, 2021 (AFP) -'."""
    text = " ".join((text or "").split())
    if not text:
        return None
    found = find(text.rstrip(" -–—:") + " - x")
    if found:
        return found
    place, located, date_text = _split_head(text.rstrip(" -–—:"))
    return FoundDateline(place=place, located=located, date_text=date_text, agency=None, text=text, end=len(text))
