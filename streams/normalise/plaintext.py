"""Plain text and captured pages (HTML reduced to text): wire copy as an outlet republished it.

Layout understood, by position and shape rather than by any outlet's strings:
  header  caption line(s), headline, byline, a local time line ("11:48 JST, December 6, 2025")
  story   from the dateline ("WASHINGTON, Dec 5 (Reuters) –") to the last story paragraph
  clutter trailing page sections (data/boilerplate.yaml markers) and the trailing block of short
          list-like lines without sentence punctuation (other headlines, separators, rankings)
"""

from __future__ import annotations

import re
from functools import cache

from . import datelines
from .assemble import Draft
from .resources import load
from .text import html_to_text, is_html_like, split_paragraphs
from .timezones import find_datetime
from .xml import check_no_entities

NAME = "text"

_HEADER_SCAN = 8
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_SEPARATOR = re.compile(r"^[\W_]{1,80}$")
_BYLINE = re.compile(r"^(?:By|BY|Von|Par|Por|Di|Av)\s+[A-ZÀ-Þ][\w.'’\-]+(?:[ ,]+[\w.'’\-]+){0,9}$")
_CREDIT = re.compile(r"\b(?:photo|file photo|picture|image|credit)\b|[A-Z]{2,}/[A-Z][a-z]+", re.IGNORECASE)
_MAX_TIME_LINE_WORDS = 14


@cache
def _markers() -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str], tuple[str, ...]]:
    data = load("boilerplate")
    return (
        tuple(m.lower() for m in data["section_markers"]),
        tuple(m.lower() for m in data["section_marker_substrings"]),
        frozenset(m.lower() for m in data["drop_lines"]),
        tuple(m.lower() for m in data["signoff_prefixes"]),
    )


def parse(text: str) -> list[Draft]:
    d = Draft(format=NAME)
    headings: list[str] = []
    if is_html_like(text):
        check_no_entities(text)
        out = html_to_text(text)
        lines, d.captions, headings = out.paragraphs, list(out.captions), out.headings
        d.warnings.append("HTML page reduced to text")
    else:
        lines = split_paragraphs(text)
    lines = drop_furniture(lines)

    start = _story_start(lines)
    _read_header(lines[:start], d)
    if not d.headline and headings:
        d.headline = headings[0]
    d.body = trim_clutter(lines[start:])
    return [d]


def drop_furniture(lines: list[str]) -> list[str]:
    """Without page-furniture lines ("Advertisement", "Share", "Read more" ...)."""
    drop = _markers()[2]
    return [ln for ln in lines if ln and ln.lower().rstrip(":") not in drop]


def _words(line: str) -> int:
    return len(line.split())


def _is_time_line(line: str) -> bool:
    return _words(line) <= _MAX_TIME_LINE_WORDS and find_datetime(line) is not None


def _story_start(lines: list[str]) -> int:
    for i, line in enumerate(lines[:_HEADER_SCAN]):
        if datelines.find(line):
            return i
    # No dateline: the header ends after the last time or byline line near the top.
    last_meta = -1
    for i, line in enumerate(lines[:6]):
        if _is_time_line(line) or _BYLINE.match(line):
            last_meta = i
    if last_meta >= 0:
        return last_meta + 1
    if len(lines) >= 2 and _is_headline_shaped(lines[0]) and not _is_headline_shaped(lines[1]):
        return 1
    return 0


def _is_headline_shaped(line: str) -> bool:
    return 2 <= _words(line) <= 25 and not _SENTENCE_END.search(line.rstrip("”\"'’"))


def _read_header(header: list[str], d: Draft) -> None:
    for line in header:
        if d.versioncreated is None and _is_time_line(line):
            found = find_datetime(line)
            if found:
                d.versioncreated = found[0]
                if not found[1]:
                    d.warnings.append(f"time line {line[:60]!r} has no timezone; assumed UTC")
            continue
        if _BYLINE.match(line) and not d.byline:
            d.byline = re.sub(r"^\w+\s+", "", line, count=1)
            continue
        sentence_like = _words(line) >= 8 and bool(_SENTENCE_END.search(line))
        if sentence_like or (_words(line) >= 6 and _CREDIT.search(line)):
            d.captions.append(line)  # a photo caption above the story
        elif _is_headline_shaped(line) and not d.headline:
            d.headline = line


def _is_section_marker(line: str) -> bool:
    starts, subs, _, _ = _markers()
    low = line.lower()
    if _words(line) > 8:
        return False
    return low.startswith(starts) or any(s in low for s in subs)


def _is_signoff(line: str) -> bool:
    return line.lower().startswith(_markers()[3])


def _is_clutter_line(line: str) -> bool:
    if _SEPARATOR.match(line):
        return True
    if _is_signoff(line):
        return False
    return _words(line) <= 20 and not _SENTENCE_END.search(line)


def trim_clutter(body: list[str]) -> list[str]:
    """The story without trailing page sections and list-like clutter."""
    for i, line in enumerate(body):
        if i > 0 and _is_section_marker(line):
            body = body[:i]
            break
    end = len(body)
    while end > 0 and _is_clutter_line(body[end - 1]):
        end -= 1
    if end == 0:
        return body  # nothing sentence-like at all (a list, a poem): keep it whole
    return body[:end]
