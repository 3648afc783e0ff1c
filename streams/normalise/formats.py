"""Helpers shared by the format modules (small and format-neutral)."""

from __future__ import annotations

import re

from .datelines import from_element
from ..models import Dateline, Subject

_IPTC_CV = re.compile(r"^https?://cvx?\.iptc\.org/newscodes/(?P<scheme>[a-z0-9]+)/(?P<code>[^/?#]+)/?$", re.IGNORECASE)
# IPTC vocabularies by the alias the NewsML-G2 catalog gives them.
_CV_ALIAS = {"mediatopic": "medtop", "subjectcode": "subj", "genre": "genre", "scene": "scene", "product": "prod"}

_SIGNAL_WORDS = (
    ("correct", "correction"),
    ("update", "update"),
    ("writethru", "update"),
    ("refile", "refile"),
    ("resend", "refile"),
    ("kill", "kill"),
    ("cancel", "kill"),
    ("withdraw", "kill"),
    ("embargo", "embargo"),
    ("advisory", "advisory"),
)


def signal_from_code(code: str | None) -> str | None:
    """'sig:correction' / 'edsig:update' / 'Kill' -> a wirestream signal name, else None."""
    if not code:
        return None
    value = code.strip().lower().rsplit(":", 1)[-1]
    for word, signal in _SIGNAL_WORDS:
        if word in value:
            return signal
    return None


def subject(code: str | None = None, name: str | None = None, scheme: str | None = None, uri: str | None = None) -> Subject | None:
    """A Subject with IPTC codes kept as codes: a cv.iptc.org URI becomes 'medtop:15000000'."""
    code = (code or "").strip() or None
    name = " ".join((name or "").split()) or None
    scheme = (scheme or "").strip() or None
    if not code and uri:
        m = _IPTC_CV.match(uri.strip())
        if m:
            alias = _CV_ALIAS.get(m["scheme"].lower(), m["scheme"].lower())
            code, scheme = f"{alias}:{m['code']}", scheme or alias
        else:
            tail = uri.rstrip("/").rsplit("/", 1)
            code, scheme = (tail[1], scheme or tail[0] + "/") if len(tail) == 2 else (uri, scheme)
    if not code and not name:
        return None
    if code and ":" in code and not scheme and not code.startswith("http"):
        scheme = code.split(":", 1)[0]
    return Subject(code=code, name=name, scheme=scheme)


# A dateline element holding only a date or time ("2014-07-16 15:53:10 GMT+00:00", "MARCH 04, 2013",
# "20170102T222800+0000"): it names no place, so the story's own dateline (in its first paragraph)
# is the one to read.
_DATE_ONLY = re.compile(
    r"^[\s\d,./:+\-TZ]*(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|[ap]\.?m\.?)?"
    r"[\s\d,./:+\-TZ]*(?:(?:gmt|utc)[\s\d:+\-]*)?$",
    re.IGNORECASE,
)


def date_only(text: str | None) -> bool:
    """True for a dateline text that is only a date or time (digits, month, zone), no place."""
    text = (text or "").strip()
    return bool(text) and any(ch.isdigit() for ch in text) and _DATE_ONLY.match(text) is not None


def dateline(text: str | None) -> Dateline | None:
    """The Dateline an element states; None when it is empty or only a date or time."""
    if date_only(text):
        return None
    found = from_element(text)
    if found is None:
        return None
    return Dateline(place=found.place, date_text=found.date_text, agency=found.agency, text=found.text)


# A paragraph that is only a byline: "By Jane Doe", "BY JANE DOE AND JOHN ROE", "By Jane Doe in Paris".
_BY_PARAGRAPH = re.compile(r"^by\s+(?P<name>[^\W\d_][^.!?:;]{1,79})$", re.IGNORECASE)


def byline_paragraph(d) -> None:
    """A first body paragraph that is only the byline is not story: it becomes the byline when the
    item has none (the story's own dateline then opens the first paragraph again)."""
    m = _BY_PARAGRAPH.match(d.body[0].strip()) if d.body else None
    if not m or len(m["name"].split()) > 10 or not m["name"][:1].isupper():
        return
    d.byline = d.byline or m["name"].strip()
    d.body = d.body[1:]


_RIGHTS_NOTICE = re.compile(r"^(?:\u00a9|\(c\)\s|copyright\s+(?:\u00a9|\(c\)|\d{4}))", re.IGNORECASE)


def drop_rights_notice(d) -> None:
    """A closing paragraph that is a rights notice ("\u00a9 2024 Agency. All rights reserved ...")
    is not story."""
    if len(d.body) > 1 and _RIGHTS_NOTICE.match(d.body[-1].strip()):
        d.warnings.append(f"rights notice left out: {d.body[-1][:120]}")
        d.body = d.body[:-1]
