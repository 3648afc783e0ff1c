"""IPTC 7901: the teletype text format of European agencies (AFP, dpa, ANSA, APA ...).

Layout (control characters as bytes):
    SOH <service id><message number> <priority digit> <category> <word count> [source ...]
    <slug line ending with "/">            one or more
    STX
    [version lines: EXTRA, REFILE, 1ST LEAD, BERICHTIGUNG ...]
    <headline, possibly over several lines>
    [By <name>]                            the heading ends with " ="
    <hard-wrapped text; paragraphs start indented or after a blank line>
    [NOT FOR PUBLICATION / Notebook / Hinweis an die Redaktion ...: notes, not story]
    <signature: desk initials>
    DDHHMM [GMT] Mon YY                     the trailer, months in the agency's language
    ETX

The priority digit is the ninjs urgency (both run 1 = most urgent); the category becomes a
subject code ``iptc7901-cat:x``. The story URI is stable across versions (service, date, slug).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

from . import agencies, teletype
from .assemble import Draft
from .errors import NO_TEXT, NormaliseError
from .resources import load
from .timezones import zone

NAME = "iptc-7901"

_HEADER = re.compile(
    r"\x01\s*(?P<svc>[A-Za-z]{1,8})\s?(?P<num>\d{1,6})\s+(?P<pri>\d)\s+(?P<cat>[A-Za-z]{1,4})\s+(?P<words>\d{1,5})(?P<extra>[^\r\n]*)"
)
_TRAILER = re.compile(
    r"^\s*(?P<d>\d{2})(?P<h>\d{2})(?P<mi>\d{2})\s+(?:(?P<zone>GMT|UTC|MEZ|MESZ|CET|CEST|HEC|HNEC|OEZ)\s+)?"
    r"(?P<mon>[^\W\d_]{3,5})\.?\s+(?P<y>\d{2}|\d{4})\s*$",
    re.IGNORECASE,
)
_BY = re.compile(r"^(?:by|von|par|di|por|av)\s+\S", re.IGNORECASE)
_HEADING_END = re.compile(r"\s=\s*$")
_SIGNATURE = re.compile(r"^(?:[A-Za-z]{2,8}[\s-]+)?[a-z]{1,5}(?:\s*[/ ]\s*[a-z]{1,5}){0,5}$")
_INDENT = re.compile(r"^(?:\t| {2,})\S")
_MAX_HEADING_LINES = 8


@cache
def _note_markers() -> tuple[str, ...]:
    return tuple(str(m).lower() for m in load("teletype")["note_markers"])


def sniff(text: str) -> int:
    head = text[:300]
    if "\x16\x01" in head[:20]:
        return 0  # SYN SOH: ANPA-1312
    m = _HEADER.search(head)
    if m and m.start() < 20:
        return 2
    if "\x02" in head and any(_TRAILER.match(ln) for ln in teletype.LINE_BREAK.split(text[-200:])):
        return 2
    return 0


def parse(text: str) -> list[Draft]:
    d = Draft(format=NAME)
    head, sep, rest = text.partition(teletype.STX)
    if not sep:
        head, rest = "", text
    body_part, etx, _after = rest.partition(teletype.ETX)
    if not etx:
        d.warnings.append("no ETX: transmission may be truncated")

    svc, slug = _read_header(head, d)
    lines = [ln.rstrip() for ln in teletype.LINE_BREAK.split(body_part)]
    # The trailer sits before the ETX, or right after it ("ETX 131137 GMT Nov 13"; the year may be
    # two digits): read whichever is there.
    after_lines = [ln.strip(" \x7f\x04") for ln in teletype.LINE_BREAK.split(_after)[:4]]
    lines = _take_trailer(lines, d, after_lines)
    start, version_lines = _read_heading(lines, d)
    d.body = _reflow(_drop_notes(lines[start:], d))
    if not d.headline and not d.body:
        raise NormaliseError(NO_TEXT, "IPTC 7901 item without heading or text")

    marks = teletype.version_marks(" ".join(filter(None, (slug, *version_lines))))
    d.signals.extend(s for s in marks.signals if s not in d.signals)
    if "kill" in d.signals:
        d.pubstatus = "canceled"
    if marks.version:
        d.version = str(marks.version)
    if slug:
        core = _slug_core(slug)
        d.slugline = slug
        d.keywords.extend(k for k in core.split("/") if k)
        date = d.versioncreated.date().isoformat() if d.versioncreated else None
        d.uri = teletype.story_uri("iptc7901", svc or d.agency or "7901", date, core)
        if marks.version and marks.version > 1:
            d.evolvedfrom = f"{d.uri}@{marks.version - 1}"
    return [d]


def _read_header(head: str, d: Draft) -> tuple[str | None, str | None]:
    m = _HEADER.search(head)
    svc = None
    if m:
        svc = m["svc"].lower()
        pri = int(m["pri"])
        d.urgency = pri if 1 <= pri <= 9 else None
        subject = teletype.category_subject("iptc7901_categories", m["cat"])
        if subject:
            d.subjects.append(subject)
        source = next((t for t in m["extra"].split() if not t.isdigit()), None)
        # "dpa", or a service of the agency: "dpa-tns" (the agency's code before the service's)
        head_code = re.split(r"[-_]", source, maxsplit=1)[0] if source else None
        d.agency = agencies.from_code(source) or agencies.from_code(head_code) or agencies.from_code(svc)
        d.provider = d.agency or source or svc
        after = head[m.end() :]
    else:
        after = head
    slugs = [ln.strip() for ln in teletype.LINE_BREAK.split(after) if ln.strip().endswith("/")]
    slug = "/".join(s.rstrip("/").strip() for s in slugs) or None
    return svc, slug


def _slug_core(slug: str) -> str:
    """The slug without version parts: 'France-politics-budget,1st lead' -> 'France-politics-budget',
    'Deutschland/Konjunktur/Ifo/Berichtigung' -> 'Deutschland/Konjunktur/Ifo'."""
    parts = [p.strip() for p in re.split(r"[,;/]", slug)]
    keep = [p for p in parts if p and not teletype.is_version_line(p.upper())]
    return "/".join(keep) or slug


def _take_trailer(lines: list[str], d: Draft, after: list[str] = ()) -> list[str]:
    """Remove and read the time trailer (searched from the end of the text, then after the ETX)."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        m = _TRAILER.match(lines[i])
        if m:
            d.versioncreated = _trailer_time(m, d)
            return lines[:i]
    for line in after:
        m = _TRAILER.match(line)
        if m:
            d.versioncreated = _trailer_time(m, d)
            return lines
    d.warnings.append("no IPTC 7901 time trailer")
    return lines


def _trailer_time(m: re.Match[str], d: Draft) -> datetime | None:
    month = teletype.month_number(m["mon"])
    year = int(m["y"])
    year += 2000 if year < 100 else 0
    if month is None:
        d.warnings.append(f"unknown month {m['mon']!r} in trailer")
        return None
    try:
        naive = datetime(year, month, int(m["d"]), int(m["h"]), int(m["mi"]))
    except ValueError:
        d.warnings.append(f"invalid trailer time {m.group(0).strip()!r}")
        return None
    tz = (zone(m["zone"]) if m["zone"] else None) or UTC  # the standard's time is GMT
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _read_heading(lines: list[str], d: Draft) -> tuple[int, list[str]]:
    """Read version lines, headline and byline; return where the text starts and the version lines."""
    versions: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    end = None
    for j in range(i, min(len(lines), i + _MAX_HEADING_LINES)):
        if _HEADING_END.search(lines[j]):
            end = j
            break
    if end is None:
        # No " =": version lines, then the first line is the headline when it is short.
        while i < len(lines) and teletype.is_version_line(lines[i]):
            versions.append(lines[i].strip())
            i += 1
        if i < len(lines) and lines[i].strip() and len(lines[i].split()) <= 16 and not _INDENT.match(lines[i]) and (
            i + 1 >= len(lines) or not lines[i + 1].strip() or _INDENT.match(lines[i + 1])
        ):
            d.headline = lines[i].strip()
            return i + 1, versions
        return i, versions
    headline: list[str] = []
    for line in lines[i : end + 1]:
        line = _HEADING_END.sub("", line).strip()
        if not line:
            continue
        if teletype.is_version_line(line) and not headline:
            versions.append(line)
        elif _BY.match(line) and headline:
            d.byline = line
        else:
            headline.append(line)
    d.headline = " ".join(headline) or None
    return end + 1, versions


def _drop_notes(lines: list[str], d: Draft) -> list[str]:
    for i, line in enumerate(lines):
        if _is_note_heading(line):
            note = " ".join(ln.strip() for ln in lines[i:] if ln.strip())
            d.warnings.append(f"note not for publication: {note[:200]}")
            lines = lines[:i]
            break
    while lines and (not lines[-1].strip() or _is_signature(lines[-1]) or _RULE.match(lines[-1].strip())):
        lines = lines[:-1]
    return lines


_RULE = re.compile(r"^(?:[*_=#~-]\s*){3,}$")  # "* * * *", "----": a separator
_MARKUP_LEAD = re.compile(r"^[#*>\s-]+")


def _is_note_heading(line: str) -> bool:
    """The line that opens the notes not for publication: a marker at its start, also as a
    Markdown heading and after the agency's name ("# dpa Notebook"), or inside a short line
    ("The following information is not for publication")."""
    low = _MARKUP_LEAD.sub("", line.strip().lower())
    if not low:
        return False
    markers = _note_markers()
    if low.startswith(markers):
        return True
    first, _, rest = low.partition(" ")
    if rest and agencies.canonical(first) and rest.startswith(markers):
        return True
    return len(low) <= 60 and any(m in low for m in markers if " " in m)


def _is_signature(line: str) -> bool:
    s = line.strip()
    return len(s) <= 30 and _SIGNATURE.match(s) is not None and not s.endswith(".")


def _reflow(lines: list[str]) -> list[str]:
    """Hard-wrapped lines to paragraphs: a blank line or an indented line starts a paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            paragraphs.append(_join(current))
            current.clear()

    for line in lines:
        if not line.strip():
            close()
            continue
        if _INDENT.match(line):
            close()
        current.append(line.strip())
    close()
    return paragraphs


def _join(lines: list[str]) -> str:
    out = lines[0]
    for nxt in lines[1:]:
        # "state-" + "owned", "Ifo-" + "Geschäftsklima": a hyphen after a letter at a wrap is a
        # compound's hyphen (a dash would stand apart), so the lines join without a space.
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and nxt[:1].isalpha():
            out += nxt
        else:
            out += " " + nxt
    return out
