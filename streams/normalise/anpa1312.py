"""ANPA-1312 (AP and others): the 1980s teletype format some agencies still send.

Layout (control characters as bytes):
    SYN SYN SOH <selector><sequence> [US <code>]           transmission header
    <priority> <category> DC3 DC1 <keyword> [take key] [MM-DD] [word count]
    STX ^<keyword line><  ^<headline><  ^Eds: ...<  ^By NAME=  ^Title=
    TAB paragraph ...                                       (tables and digests: plain lines)
    ETX <agency>-<desk>-MM-DD-YY HHMMGMT                    the only time of the item

The priority letter becomes ninjs urgency, the category letter a subject code ``anpa-cat:x``,
take keys (``1stLd-Writethru``, ``Corrective``, ``(Update)``, ``REFILE``) the version and signals.
The story URI is stable across versions (agency, date, keyword); ``evolvedfrom`` names the
version replaced as ``<uri>@<n>`` (the same form as the dedup stage's ``replaces``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from . import agencies, teletype
from .assemble import Draft
from .errors import NO_TEXT, NormaliseError
from .timezones import zone

NAME = "anpa-1312"

_HEADER = re.compile(r"\x16*\x01\s*(?P<sel>[A-Za-z]{1,2})\s?(?P<seq>\d{3,5})\b")
_SLUG_LINE = re.compile(
    r"^\s*(?P<pri>[a-zA-Z])\s+(?P<cat>[a-zA-Z])\s*(?P<ctl>[\x11-\x14]{0,4})\s*(?P<rest>\S.*?)?\s*$"
)
_DATE_TOKEN = re.compile(r"^\d{1,2}-\d{1,2}$")
_WORDS_TOKEN = re.compile(r"^\d{3,5}$")
_TRAILER = re.compile(
    r"(?P<agency>[A-Z][A-Za-z]{1,7})-(?P<desk>[A-Z]{1,4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})-(?P<y>\d{2,4})\s+"
    r"(?P<h>\d{2}):?(?P<mi>\d{2})\s*(?P<zone>[A-Z]{1,5})?"
)
_NOTE = re.compile(r"^(?:eds?|editors?|ed's note|editor's note|advisory|note)\b\s*:?", re.IGNORECASE)
_BY = re.compile(r"^by\s+", re.IGNORECASE)
_END_MARKS = re.compile(r"^(?:MORE|END|ENDIT|ENDADV|\(?END\)?|-+\s*\d*\s*-*|#+|\(\s*[A-Za-z]{1,4}(?:[-/][A-Za-z]{1,4})*\s*\))$")
_RULE = re.compile(r"^[_\-*]{3,}$")  # a separator line: at the end of a body, nothing follows it
_TAB_PARA = re.compile(r"^(?:\t| {3,})")
# One transmitted line may hold several heading segments: "^*9006< ^AP-Top-Headlines,0176<".
_SEGMENT_BREAK = re.compile(r"(?<=[<=])[ \t]+(?=\^)")
# A format code segment ("^*9006<"): a code for the receiving system, not text.
_FORMAT_CODE = re.compile(r"^\*\d{2,6}$")
_CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t")


def sniff(text: str) -> int:
    head = text[:400]
    if head.lstrip(" \r\n")[:3] == "\x16\x16\x01" or "\x16\x01" in head[:20]:
        return 2
    if "\x01" in head[:20] and _SLUG_LINE.match(_second_line(head)) and ("^" in text[:2000] or "\x13\x11" in head):
        return 2
    if "\x02" in head and "^" in text[:2000] and _TRAILER.search(text[-300:]):
        return 2
    return 0


def _second_line(head: str) -> str:
    lines = teletype.LINE_BREAK.split(head.split("\x02", 1)[0])
    return lines[1] if len(lines) > 1 else ""


def parse(text: str) -> list[Draft]:
    d = Draft(format=NAME)
    head, sep, rest = text.partition(teletype.STX)
    if not sep:
        head, rest = "", text  # header missing: read what is there
    body_part, etx, after = rest.partition(teletype.ETX)
    if not etx:
        d.warnings.append("no ETX: transmission may be truncated")
        if _TRAILER.search(body_part[-200:]):
            cut = list(_TRAILER.finditer(body_part))[-1]
            body_part, after = body_part[: cut.start()], body_part[cut.start() :]

    keyword, take, header_date, table = _read_header(head, d)
    lines = [seg.rstrip() for ln in teletype.LINE_BREAK.split(body_part) for seg in _SEGMENT_BREAK.split(ln)]
    heading, body_lines = _split_heading(lines)
    keyword, lead = _read_heading(heading, d, keyword, table=table)
    body_lines = lead + body_lines
    d.slugline = keyword
    marks = teletype.version_marks(" ".join(filter(None, (take, _keyword_suffix(keyword)))))
    d.signals.extend(marks.signals)
    if "kill" in marks.signals:
        d.pubstatus = "canceled"
    d.body = _paragraphs(body_lines, table=table)

    trailer = _TRAILER.search(after) or _TRAILER.search(body_part[-200:])
    agency_code = None
    if trailer:
        d.versioncreated = _trailer_time(trailer, d)
        agency_code = trailer["agency"]
    d.agency = agencies.from_code(agency_code) if agency_code else None
    d.provider = d.agency or agency_code
    if not d.headline and not d.body:
        raise NormaliseError(NO_TEXT, "ANPA item without heading or text")
    date_part = d.versioncreated.date().isoformat() if d.versioncreated else header_date
    if keyword:
        d.uri = teletype.story_uri("anpa", agency_code or "anpa", date_part, _keyword_core(keyword))
        d.version = str(marks.version) if marks.version else None
        if marks.version and marks.version > 1:
            d.evolvedfrom = f"{d.uri}@{marks.version - 1}"
    return [d]


def _read_header(head: str, d: Draft) -> tuple[str | None, str | None, str | None, bool]:
    lines = [ln for ln in teletype.LINE_BREAK.split(head) if ln.strip("\x16\x01\x1f\x13\x11\x14\x12 \t")]
    if not lines:
        return None, None, None, False
    m = _HEADER.search(lines[0])
    if m:
        d.keywords.append(f"{m['sel']}{m['seq']}")  # selector + sequence: the transmission's id
    slug = next((_SLUG_LINE.match(ln) for ln in lines[1:] if _SLUG_LINE.match(ln)), None)
    if slug is None:
        return None, None, None, False
    word, urgency = teletype.anpa_priority(slug["pri"])
    d.urgency = urgency
    if word is None:
        d.warnings.append(f"unknown ANPA priority {slug['pri']!r}")
    subject = teletype.category_subject("anpa_categories", slug["cat"])
    if subject:
        d.subjects.append(subject)
    table = "\x14" in (slug["ctl"] or "") or "\x12" in (slug["ctl"] or "")
    tokens = (slug["rest"] or "").split()
    keyword = tokens[0] if tokens else None
    take, date = [], None
    for tok in tokens[1:]:
        if _DATE_TOKEN.match(tok) and date is None:
            date = tok
        elif _WORDS_TOKEN.match(tok):
            continue
        elif date is None:
            take.append(tok)
    return keyword, " ".join(take) or None, date, table


def _split_heading(lines: list[str]) -> tuple[list[str], list[str]]:
    """Heading lines (``^...``, continuing until their ``<`` or ``=`` end) and the rest."""
    heading: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines):
        line = lines[i].strip()
        if not line.startswith("^"):
            break
        start = i
        # A heading line runs until it ends with "<" or "=" (long ones wrap).
        while not line.endswith(("<", "=")) and i + 1 < len(lines) and lines[i + 1].strip() and not lines[i + 1].lstrip().startswith("^") and not _TAB_PARA.match(lines[i + 1]):
            i += 1
            line += " " + lines[i].strip()
        if heading and not line.endswith(("<", "=")):
            # After terminated heading lines, "^" lines without a terminator are the lines of a
            # list (a headlines digest), i.e. the story: the heading ends here.
            return heading, lines[start:]
        heading.append(line)
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
    return heading, lines[i:]


def _read_heading(heading: list[str], d: Draft, keyword: str | None, *, table: bool = False) -> tuple[str | None, list[str]]:
    """Reads keyword line, headline, notes and byline; returns the keyword and the heading lines
    that are the start of the story (the section titles above a table)."""
    byline_done = False
    lead: list[str] = []
    for n, raw_line in enumerate(heading):
        line = raw_line.lstrip("^").strip()
        end = line[-1:] if line[-1:] in "<=" else ""
        line = line.rstrip("<=").strip()
        if not line:
            continue
        if _FORMAT_CODE.match(line):
            continue
        if not lead and not d.headline and _is_keyword_line(line, keyword) and not (d.byline or byline_done):
            keyword = keyword or line.split(",")[0].strip()
            for part in line.split(",")[1:]:  # ", 1st Ld-Writethru,0598"
                marks = teletype.version_marks(part)
                d.signals.extend(s for s in marks.signals if s not in d.signals)
            continue
        if _NOTE.match(line):
            d.warnings.append(f"editor's note: {line[:200]}")
            d.signals.extend(teletype.version_marks(line).signals)  # "Eds: CORRECTS ...", "UPDATES with"
            continue
        if lead:
            lead.append(raw_line)
            continue
        if end == "=":
            if not byline_done and _BY.match(line):
                d.byline = _BY.sub("", line)
                byline_done = True
            elif not byline_done and d.byline is None and not d.headline and agencies.canonical(line):
                d.byline = line  # agency-credit line without "By"
            elif not byline_done and not d.headline:
                # A centred title before any byline: the headline of tables and digests,
                # which have no "<" headline line.
                d.headline = teletype.ascii_quotes_and_dashes(line)
            elif table and byline_done:
                lead.append(raw_line)  # section titles of the table ("EASTERN DIVISION")
            continue  # titles ("Associated Press Writer"), agency lines
        if not d.headline:
            d.headline = teletype.ascii_quotes_and_dashes(line)
        else:
            d.keywords.append(line)  # sub-headlines, ^-table titles
    return keyword, lead


def _is_keyword_line(line: str, keyword: str | None) -> bool:
    first = line.split(",")[0].strip()
    if keyword and first.replace("--", "-").lower() == keyword.replace("--", "-").lower():
        return True
    return bool(re.match(r"^(?:BC|AM|PM|AP|a\d{3,4})-", first)) or (" " not in first and "-" in first and len(first) < 40)


def _keyword_suffix(keyword: str | None) -> str | None:
    m = re.search(r"\((?:update|refile|corrected|correction)[^)]*\)", keyword or "", re.IGNORECASE)
    return m.group(0) if m else None


def _keyword_core(keyword: str) -> str:
    core = re.sub(r"\s*\([^)]*\)\s*", "", keyword)
    return core.replace("--", "-")


def _paragraphs(lines: list[str], *, table: bool) -> list[str]:
    """Body lines to paragraphs. Tab-indented lines open paragraphs, other lines continue them;
    "^" lines (centred titles, list lines) and table rows stand alone. Control characters that
    frame table rows are dropped here."""
    while lines and (not lines[-1].strip() or _END_MARKS.match(_line_text(lines[-1])) or _RULE.match(_line_text(lines[-1]))):
        lines.pop()
    tabbed = sum(1 for ln in lines if _TAB_PARA.match(ln))
    out: list[str] = []
    for ln in lines:
        text = _line_text(ln)
        if not text:
            continue
        standalone = table or tabbed == 0 or ln.lstrip(_CONTROL + " ").startswith("^") or ln.rstrip().endswith(("<", "="))
        if standalone or _TAB_PARA.match(ln) or not out:
            out.append(text)
        else:
            out[-1] += " " + text  # continuation of a wrapped paragraph
    out = [p for p in out if not _END_MARKS.match(p)]
    return [teletype.ascii_quotes_and_dashes(p) for p in out]


def _line_text(line: str) -> str:
    """A body line without its layout codes: leading control characters and "^", trailing "<"/"=" ."""
    text = line.strip().strip(_CONTROL).strip()
    if text.startswith("^"):
        text = text[1:].strip()
    if text.endswith(("<", "=")):
        text = text[:-1].rstrip()
    return text


def _trailer_time(m: re.Match[str], d: Draft) -> datetime | None:
    year = int(m["y"])
    year += 2000 if year < 100 else 0
    try:
        naive = datetime(year, int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]))
    except ValueError:
        d.warnings.append(f"invalid trailer time {m.group(0)!r}")
        return None
    tz = zone(m["zone"]) if m["zone"] else None
    if tz is None:
        if m["zone"] not in (None, "GMT", "UTC", "Z"):
            d.warnings.append(f"unknown zone {m['zone']!r} in trailer; GMT assumed")
        tz = UTC
    return naive.replace(tzinfo=tz).astimezone(UTC)

