"""What the teletype-era formats (ANPA-1312, IPTC 7901) and agency feeds share: priority words,
take keys and version lines, trailer months, story URIs. Tables live in ``data/teletype.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from ..models import Subject
from .resources import load

# Control characters of the transmission layer.
SOH, STX, ETX, EOT, SYN, US = "\x01", "\x02", "\x03", "\x04", "\x16", "\x1f"
LINE_BREAK = re.compile(r"\r*\n|\r")


@cache
def _tables() -> dict:
    return load("teletype")


def urgency_of_word(word: str | None) -> int | None:
    """'Urgent' -> 3, 'flash' -> 1, '4' -> 4; None when unknown."""
    if not word:
        return None
    w = " ".join(word.strip().lower().split())
    if w.isdigit():
        n = int(w)
        return n if 1 <= n <= 9 else None
    return _tables()["priority_words"].get(w)


def anpa_priority(letter: str) -> tuple[str | None, int | None]:
    word = _tables()["anpa_priorities"].get(letter.lower())
    return word, urgency_of_word(word)


def category_subject(table: str, code: str) -> Subject | None:
    code = code.strip().lower()
    if not code:
        return None
    scheme = {"anpa_categories": "anpa-cat", "iptc7901_categories": "iptc7901-cat"}[table]
    name = _tables()[table].get(code)
    return Subject(code=f"{scheme}:{code}", name=name, scheme=scheme)


def month_number(name: str) -> int | None:
    return _tables()["months"].get(name.strip(". ").lower()[:3]) or _tables()["months"].get(name.strip(". ").lower())


@cache
def _version_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    words: dict[str, str] = {str(k).lower(): str(v) for k, v in _tables()["version_words"].items()}
    ordinals = "|".join(re.escape(str(k)) for k in _tables()["ordinals"])
    # "1stLd-Writethru", "2nd Ld", "1ST LEAD", "3RD WRITETHRU", "UPDATE 2", "1. Zusammenfassung"
    lead = re.compile(
        rf"(?:(?P<n>\d{{1,2}})(?:st|nd|rd|th|\.)?|(?P<ord>{ordinals}))\s*-?\s*(?:ld|lead|writethru|zusammenfassung)\b"
        r"|\bupdate\s*(?P<u>\d{1,2})\b",
        re.IGNORECASE,
    )
    alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    word = re.compile(rf"(?<![a-z])(?P<w>{alt})(?![a-z])", re.IGNORECASE)
    return lead, word, words


@dataclass
class VersionMarks:
    version: int | None = None
    signals: list[str] = field(default_factory=list)


def version_marks(text: str | None) -> VersionMarks:
    """Version and signals from take keys and version lines: '1stLd-Writethru' -> version 2,
    update; 'Corrective' -> correction; 'REFILE' -> refile; '(UPDATE 2)' -> version 3, update."""
    out = VersionMarks()
    if not text:
        return out
    lead, word, words = _version_patterns()
    m = lead.search(text)
    if m:
        n = m["n"] or m["u"]
        number = int(n) if n else _tables()["ordinals"].get(m["ord"].lower())
        if number:
            out.version = number + 1
        out.signals.append("update")
    for w in word.finditer(text):
        sig = words[w["w"].lower()]
        if sig not in out.signals:
            out.signals.append(sig)
    return out


def is_version_line(line: str) -> bool:
    """A line made only of version/status words ('1ST LEAD', 'REFILE', 'EXTRA', 'EILT')."""
    core = line.strip().strip("-=*().").strip()
    if not core or len(core) > 40 or core != core.upper():
        return False
    lead, word, _ = _version_patterns()
    rest = lead.sub(" ", core)
    rest = word.sub(" ", rest)
    rest = re.sub(r"\b(?:EXTRA|EIL|EILT|FLASH|BULLETIN|URGENT|DRINGEND|ACHTUNG|WDH|NEU)\b|[\d\W_]", " ", rest)
    return not rest.strip()


def story_uri(scheme: str, *parts: str | None) -> str:
    """A stable story URI (the same for every version of one story)."""
    clean = [re.sub(r"[^\w.\-]+", "-", p.strip()).strip("-").lower() for p in parts if p and p.strip()]
    return ":".join(["urn", scheme, *clean])


def ascii_quotes_and_dashes(line: str) -> str:
    """Teletype typing to typography: ``x'' -> “x”, `x' -> ‘x’, ' _ ' and ' -- ' -> ' — '."""
    if "`" in line or "''" in line:
        line = line.replace("``", "“").replace("''", "”").replace("`", "‘")
    if "_" in line:
        line = re.sub(r"(?:(?<=\s)|^)_(?=\s|$)", "—", line)
    return line
