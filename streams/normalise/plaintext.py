"""Plain text and captured pages (HTML reduced to text): wire copy as an outlet republished it.

Layout understood, by position and shape rather than by any outlet's strings:
  header  caption line(s), headline, byline, agency credit line ("KYODO NEWS"), local time
          line(s) ("11:48 JST, December 6, 2025"; of "Published … | Updated …" the latest is the
          version time, the earliest the first-created time), relative times ("2 hours ago")
  story   from the dateline ("WASHINGTON, Dec 5 (Reuters) –") to the last story paragraph; photo
          captions inside it (lines ending in a photo credit) go to the captions
  clutter page furniture anywhere (share bars, ads, promo links "Read more: …", cookie and
          syndication notices, copyright lines: data/boilerplate.yaml), trailing page sections
          (marker headings) and the trailing block of short list-like lines without sentence
          punctuation (other headlines, separators, rankings)
"""

from __future__ import annotations

import re
from functools import cache

import ahocorasick

from . import agencies, datelines
from .assemble import Draft
from .headline import ends_with_abbreviation
from .resources import load
from .text import html_to_text, is_html_like, split_paragraphs
from .timezones import find_all_datetimes, find_datetime
from .xml import check_no_entities

NAME = "text"

_HEADER_SCAN = 20
_NEAR_TOP = 8
_MAX_HEADER_SENTENCES = 3
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_SEPARATOR = re.compile(r"^[\W_]{1,80}$")
_BYLINE = re.compile(r"^(?:By|BY|Von|Par|Por|Di|Av)\s+[A-ZÀ-Þ][\w.'’\-]+(?:[ ,]+[\w.'’\-]+){0,9}$")
_CREDIT = re.compile(r"\b(?:photo|file photo|picture|image|credit)\b|[A-Z]{2,}/[A-Z][a-z]+", re.IGNORECASE)
_MAX_TIME_LINE_WORDS = 14
_MIN_HEADLINE_WORDS = 4
# A breadcrumb trail ("HOME / WORLD / AFRICA", "News › Asia"): short sections joined by path
# separators. Navigation, never a headline ("|" is left out: it joins a headline and a site name).
_BREADCRUMB_SPLIT = re.compile(r"\s+[/›>»]\s+")
_BREADCRUMB_MAX_SECTION_WORDS = 3
# "2 hours ago", "Updated 35 minutes ago": a relative time, never a headline.
_RELATIVE_TIME = re.compile(
    r"^(?:(?:updated|published|posted)\s*:?\s*)?(?:\d{1,3}|an?|one)\s+(?:sec|second|min|minute|hr|hour|day|week)s?\s+ago$",
    re.IGNORECASE,
)
# Furniture joined on one line: "Advertisement · Scroll to continue", "Share | Tweet | Email".
_JOINERS = re.compile(r"\s*[·•|/]\s*|\s+[-–—]\s+")
# A photo credit ending a caption: "(AP Photo/Efrem Lukatsky)", "REUTERS/Toby Melville/File Photo",
# "EFE/Chema Moya", "Photo: Kay Nietfeld/dpa", "(AFP)", "(Xinhua/Li Xin)", "AFP via Getty Images".
_PHOTO_CREDIT = re.compile(
    r"(?:\((?:[^()]{0,40}\s)?(?:Photo|Photos|Foto|Picture|Image|File)(?:\s*[/:][^()]{1,60})?\)"
    r"|(?<![\w/])[A-Z]{2,}(?:\s[A-Z]{2,})?/[A-ZÀ-Þ][^/()]{1,40}(?:/(?:File Photo|File|Pool|Handout|Illustration)[^/()]{0,20})?"
    r"|\b(?:Photo|Picture|Image|Foto|Credit)s?\s*:\s*[^.:;]{2,60}"
    r"|\bvia Getty Images|\bGetty Images)\s*$"
)
# "©", "(c)" or "Copyright" and then a year or a capitalised name ("Copyright lawsuits …" is story).
_COPYRIGHT = re.compile(r"^\W{0,3}(?i:©|\(c\)|copyright\b\s*(?:©|\(c\))?)\s*(?:\d{4}|[A-Z])")


@cache
def _markers() -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str], tuple[str, ...]]:
    data = load("boilerplate")
    return (
        tuple(m.lower() for m in data["section_markers"]),
        tuple(m.lower() for m in data["section_marker_substrings"]),
        frozenset(m.lower() for m in data["drop_lines"]),
        tuple(m.lower() for m in data["signoff_prefixes"]),
    )


_SHORT, _NOTICE, _RIGHTS = 1, 2, 4


@cache
def _furniture() -> tuple[ahocorasick.Automaton, re.Pattern[str], re.Pattern[str]]:
    """(one automaton over the substring vocabularies, valued by kind; promo-link prefixes;
    agency credit): one pass per line instead of a search per vocabulary word."""
    data = load("boilerplate")
    kinds: dict[str, int] = {}
    for key, kind in (("furniture_substrings", _SHORT), ("notice_substrings", _NOTICE), ("rights_reserved", _RIGHTS)):
        for m in data[key]:
            kinds[m.lower()] = kinds.get(m.lower(), 0) | kind
    # Matched on the page as written (lower-casing a whole page costs more than the scan), so in
    # the spellings pages use: lower case, first letter capital, Title Case, UPPER CASE.
    variants: dict[str, int] = {}
    for word, kind in kinds.items():
        for v in (word, word[:1].upper() + word[1:], word.title(), word.upper()):
            variants[v] = variants.get(v, 0) | kind
    automaton = ahocorasick.Automaton()
    for word, kind in variants.items():
        automaton.add_word(word, kind)
    automaton.make_automaton()
    promos = "|".join(re.escape(m.lower()) for m in sorted(data["promo_prefixes"], key=len, reverse=True))
    agency_alt = agencies.spelling_pattern()
    return (
        automaton,
        re.compile(rf"^(?:{promos})\s*\S.{{2,}}"),
        # A bare agency credit in parentheses ends a caption: "... in Seoul. (Yonhap)"
        re.compile(rf"\((?:{agency_alt})(?:\s*/\s*[^()]{{1,40}})?\)\s*$", re.IGNORECASE),
    )


def _vocabulary_kinds(line: str) -> int:
    kinds = 0
    for _, kind in _furniture()[0].iter(line):
        kinds |= kind
    return kinds


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
    d.body = read_story(drop_furniture(lines), d)
    if not d.headline and headings:
        d.headline = headings[0]
    return [d]


def read_story(lines: list[str], d: Draft, *, headline_first: bool = True) -> list[str]:
    """The story of a page's lines (furniture already dropped). What stands before it (time
    lines, byline, captions, headline) fills what `d` lacks; captions inside it go to
    `d.captions`. `headline_first`: without a dateline, time or byline, a short first line
    followed by a longer one is the headline (plain captures; not for extracted HTML bodies,
    whose headline is in the page's metadata)."""
    start = _story_start(lines, headline_first=headline_first)
    read_header(lines[:start], d)
    body = trim_clutter(lines[start:])
    while len(body) > 1 and _is_author_bio(body[-1], d.byline):
        body = trim_clutter(body[:-1])
    kept = body[:1]
    for line in body[1:]:
        if is_caption(line):
            d.captions.append(line)
        else:
            kept.append(line)
    return kept


def drop_furniture(lines: list[str]) -> list[str]:
    """Without page-furniture lines wherever they sit ("Advertisement", "Share", "3 min read",
    "Read more: …", "© 2025 AFP", separators). Notices and rights-reserved lines are known by
    their vocabulary above and after the story (`read_header`, `trim_clutter`)."""
    out = []
    could_start = _line_start_chars()
    drop = _markers()[2]
    for ln in lines:
        if not ln:
            continue
        spaces = ln.count(" ")
        if spaces >= 8:
            if ln[0] not in could_start or not _is_furniture(ln, ln.lower(), 0):
                out.append(ln)  # a long line starting like no copyright or promo line: story
            continue
        low = ln.lower()
        if low.rstrip(" .:!»›>") in drop:
            continue
        if not _is_furniture(ln, low, None):
            out.append(ln)
    return out


_JOINER_CHARS = frozenset("·•|/-–—")
_CAPTION_ENDS = frozenset(".!?\"”'’:;,")


def is_furniture(line: str) -> bool:
    """Furniture wherever it sits, notices and rights-reserved lines included."""
    low = line.lower()
    return _is_furniture(line, low, _vocabulary_kinds(line))


def _is_furniture(line: str, low: str, kinds: int | None) -> bool:
    """`kinds`: the line's vocabulary hits, or None to look only for the short-line ones."""
    words = line.count(" ") + 1  # lines are cleaned: single spaces
    if words > 60:
        return False
    if kinds is None:
        kinds = _vocabulary_kinds(line) & _SHORT if words <= 6 else 0
    if words <= 3 and _SEPARATOR.match(line):
        return True  # "___", "* * *", "-": nothing to keep wherever it sits
    if words <= 8:
        bare = low.rstrip(" .:!»›>")
        drop = _markers()[2]
        if bare in drop:
            return True
        if not _JOINER_CHARS.isdisjoint(bare):
            parts = [p for p in _JOINERS.split(bare) if p]
            if len(parts) > 1 and all(p.rstrip(" .:!»›>") in drop for p in parts):
                return True
    if kinds & _NOTICE or (kinds & _SHORT and words <= 6):
        return True
    if _is_copyright(line, low, kinds, words):
        return True
    return words <= 25 and low[:1] in _promo_initials() and _furniture()[1].match(low) is not None


@cache
def _line_start_chars() -> frozenset[str]:
    """First characters of lines that may be copyright or promo lines: the promo prefixes'
    initials in both cases, "c", "C", "©" and "("."""
    initials = _promo_initials() | {"c", "©", "("}
    return frozenset(initials | {c.upper() for c in initials})


@cache
def _promo_initials() -> frozenset[str]:
    return frozenset(str(m).lower()[:1] for m in load("boilerplate")["promo_prefixes"])


def is_notice(line: str) -> bool:
    """An outlet notice (cookies, syndication disclaimer) or a rights-reserved line."""
    words = _words(line)
    if words > 60:
        return False
    kinds = _vocabulary_kinds(line)
    return bool(kinds & (_NOTICE | _RIGHTS)) and (words <= 40 or bool(kinds & _NOTICE))


def is_copyright(line: str) -> bool:
    """A copyright line: "© 2025 AFP", "Copyright 2025 The Associated Press. All rights reserved. …"."""
    return _is_copyright(line, line.lower(), _vocabulary_kinds(line), _words(line))


def _is_copyright(line: str, low: str, kinds: int, words: int) -> bool:
    """`kinds`: the line's vocabulary hits (rights-reserved phrases among them, or not looked for)."""
    if words > 40:
        return False
    # The "©"/"(c)"/"copyright" opening is looked for only when the line's start could hold one.
    return bool(kinds & _RIGHTS) or (("c" in low[:5] or "©" in low[:5]) and _COPYRIGHT.match(line) is not None)


def is_caption(line: str) -> bool:
    """A photo caption: a line of several words ending in a photo credit (story paragraphs end
    in sentence punctuation or a quote; the credit is looked for in the line's tail only)."""
    if line[-1:] in _CAPTION_ENDS or _words(line) < 5:
        return False
    tail = line[-120:]
    if "/" not in tail and "(" not in tail and ":" not in tail and "Getty" not in tail:
        return False
    return bool(_PHOTO_CREDIT.search(tail) or _furniture()[2].search(tail))


def _words(line: str) -> int:
    # Lines are cleaned (single spaces, stripped): counting spaces is splitting without the list.
    return line.count(" ") + 1 if line else 0


def _is_time_line(line: str) -> bool:
    words = _words(line)
    if words > _MAX_TIME_LINE_WORDS:
        return False
    found = find_datetime(line)
    if found is None:
        return False
    # Japanese, Chinese and Korean sentences are one "word" or a few: such a line is a time line
    # only when the date and time are most of it ("2025年12月2日 15時30分 配信"), not a sentence
    # that mentions one ("政府は2025年12月2日午後3時に記者会見を開いた。").
    return words > 3 or len(found[2].group(0)) * 5 >= len(line.strip()) * 3


def _story_start(lines: list[str], *, headline_first: bool = True) -> int:
    long_sentences = 0
    for i, line in enumerate(lines[:_HEADER_SCAN]):
        if datelines.find(line):
            return i
        # Past the first lines (navigation above the story), a dateline still opens the story
        # while what stands before it looks like a header: a few long sentences at most
        # (captions, a standfirst), not story paragraphs.
        if i + 1 == _NEAR_TOP:
            long_sentences = sum(_words(ln) >= 20 and _ends_sentence(ln) for ln in lines[:_NEAR_TOP])
        elif i >= _NEAR_TOP:
            long_sentences += _words(line) >= 20 and _ends_sentence(line)
        if i >= _NEAR_TOP and long_sentences > _MAX_HEADER_SENTENCES:
            break
    # No dateline: the header ends after the last time or byline line near the top.
    last_meta = -1
    for i, line in enumerate(lines[:6]):
        if _is_time_line(line) or _BYLINE.match(line) or _RELATIVE_TIME.match(line) or _agency_credit(line):
            last_meta = i
    if last_meta >= 0:
        return last_meta + 1
    if headline_first and len(lines) >= 2 and _is_headline_shaped(lines[0]) and not _is_headline_shaped(lines[1]):
        return 1
    return 0


def _ends_sentence(line: str) -> bool:
    """Sentence punctuation at the end, not the period of a final abbreviation ("at U.N.")."""
    if not _SENTENCE_END.search(line):
        return False
    return not (line.endswith(".") and ends_with_abbreviation(line))


def _is_headline_shaped(line: str) -> bool:
    return 2 <= _words(line) <= 25 and not _ends_sentence(line.rstrip("”\"'’")) and not _is_breadcrumb(line)


def _is_breadcrumb(line: str) -> bool:
    sections = _BREADCRUMB_SPLIT.split(line.strip())
    return len(sections) >= 2 and all(0 < _words(s) <= _BREADCRUMB_MAX_SECTION_WORDS for s in sections)


def _agency_credit(line: str) -> str | None:
    """A line that only names an agency ("KYODO NEWS", "By Reuters", "Source: Xinhua",
    "AFP - Agence France Presse": every part one and the same agency)."""
    if _words(line) > 8:
        return None
    name = re.sub(r"^(?:by|source|from|via)\s*:?\s+", "", line.strip(" |·•-–—"), flags=re.IGNORECASE)
    found = {agencies.canonical(part) for part in _JOINERS.split(name) if part}
    return found.pop() if len(found) == 1 else None


def _is_credit_only(line: str) -> bool:
    """A photo credit on its own line: "REUTERS/Elizabeth Frantz", "(AP Photo/Evan Vucci)"."""
    if _words(line) > 8:
        return False
    m = _PHOTO_CREDIT.search(line) or _furniture()[2].search(line)
    return m is not None and m.start() <= 1


def read_header(header: list[str], d: Draft) -> None:
    times = []
    candidates: list[str] = []
    for line in header:
        if _is_time_line(line):
            found = find_all_datetimes(line)
            times.extend(found)
            if any(not zoned for _, zoned, _ in found):
                d.warnings.append(f"time line {line[:60]!r} has no timezone; assumed UTC")
            continue
        if _RELATIVE_TIME.match(line) or is_notice(line):
            continue
        if (credited := _agency_credit(line)) is not None:
            d.agency = d.agency or credited
            continue
        if _BYLINE.match(line) and not d.byline:
            d.byline = re.sub(r"^\w+\s+", "", line, count=1)
            continue
        if _is_credit_only(line):
            if d.captions:  # the credit of the caption above it, on its own line
                d.captions[-1] = f"{d.captions[-1]} {line}"
            continue
        sentence_like = _words(line) >= 8 and _ends_sentence(line)
        if sentence_like or (_words(line) >= 6 and _CREDIT.search(line)) or is_caption(line):
            d.captions.append(line)  # a photo caption above the story
        elif _is_headline_shaped(line):
            candidates.append(line)
    if candidates and not d.headline:
        # Navigation and kicker lines ("World", "Latest News") are shorter than a headline.
        d.headline = next((c for c in candidates if _words(c) >= _MIN_HEADLINE_WORDS), candidates[0])
    if times and d.versioncreated is None:
        # "Published … | Updated …": the latest is this version's time, the earliest the first.
        instants = sorted(t for t, _, _ in times)
        d.versioncreated = instants[-1]
        if d.firstcreated is None and instants[0] != instants[-1]:
            d.firstcreated = instants[0]


_MARKER_NOISE = re.compile(r"[\d()\[\]#|·•:]+")


def _is_section_marker(line: str) -> bool:
    """A heading that opens a trailing page section: "Most Read", "Related Stories", "Tags",
    "12 Comments", "Comments (3)", "JN ACCESS RANKING" (short, no sentence punctuation)."""
    if _words(line) > 8 or _SENTENCE_END.search(line):
        return False
    starts, subs, _, _ = _markers()
    low = line.lower()
    bare = " ".join(_MARKER_NOISE.sub(" ", low).split())
    for m in starts:
        if m.endswith(":"):
            if low.startswith(m):
                return True
        elif bare.startswith(m) and (len(bare) == len(m) or not bare[len(m)].isalnum()):
            return True
    return any(s in low for s in subs)


_STORY_PARAGRAPH_WORDS = 25


def _is_promo_block_marker(line: str) -> bool:
    if _words(line) > 8 or _SENTENCE_END.search(line):
        return False
    low = line.lower()
    return any(m in low for m in _promo_block_markers())


@cache
def _promo_block_markers() -> tuple[str, ...]:
    return tuple(str(m).lower() for m in load("boilerplate")["promo_block_markers"])


def _is_story_paragraph(line: str) -> bool:
    return _words(line) >= _STORY_PARAGRAPH_WORDS and _ends_sentence(line) and not is_notice(line)


def _is_signoff(line: str) -> bool:
    return line.lower().startswith(_markers()[3])


def _is_clutter_line(line: str) -> bool:
    if _SEPARATOR.match(line):
        return True
    if _is_signoff(line):
        return False
    if _words(line) <= 20 and _CONTACT.search(line):
        return True  # "Contact the author: jane@example.com", "Follow her on X @jdoe"
    if is_notice(line):
        return True
    return _words(line) <= 20 and not _SENTENCE_END.search(line) and not _inner_sentence_end(line)


_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?:^|\s)@\w{2,}")


def _is_author_bio(line: str, byline: str | None) -> bool:
    """A note on the story's author after the story: it opens with a name from the byline
    ("Jane Doe is a correspondent …", "Doe covers energy …")."""
    if not byline or _words(line) > 60:
        return False
    names = {w for w in re.split(r"[\s,]+", byline.title()) if len(w) > 2 and w != "And"}
    first = re.split(r"[\s,]+", line, maxsplit=2)
    opening = {w.strip("'’s").title() for w in first[:2]}
    return bool(names & opening) and bool(re.search(r"\b(?:is|was|covers|has|writes|reports)\b", " ".join(line.split()[:8])))


_INNER_END = re.compile(r"[.!?…][\"'”’)]*\s+(?=[A-Z\"“])")


def _inner_sentence_end(line: str) -> bool:
    """A full sentence inside the line ("… African countries. Enditem"): story with a trailing
    token, not a list item. Abbreviations ("N.Y. Times", "U.S. Fed") do not count."""
    for m in _INNER_END.finditer(line):
        before = line[: m.start() + 1]
        if _words(before) >= 6 and not ends_with_abbreviation(before):
            return True
    return False


def trim_clutter(body: list[str]) -> list[str]:
    """The story without trailing page sections and list-like clutter."""
    for i, line in enumerate(body):
        if i > 0 and _is_section_marker(line):
            body = body[:i]
            break
        if i > 0 and _is_promo_block_marker(line):
            if not any(_is_story_paragraph(later) for later in body[i + 1 :]):
                body = body[:i]
                break
            body = body[:i] + body[i + 1 :]  # a box inside the story: only its heading goes
            return trim_clutter(body)
    end = len(body)
    while end > 0 and _is_clutter_line(body[end - 1]):
        end -= 1
    if end == 0:
        return body  # nothing sentence-like at all (a list, a poem): keep it whole
    return body[:end]
