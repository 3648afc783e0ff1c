"""Headlines: editorial-signal prefixes, and a headline derived from the lead when none is given."""

from __future__ import annotations

import re
from functools import cache

from . import datelines
from .resources import load

MAX_DERIVED = 120

# Abbreviations after which a period does not end a sentence.
_ABBREV = re.compile(
    r"(?:\b(?:[A-Z]\.){1,4}|\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Col|Lt|Sgt|Capt|Gov|Sen|Rep|St|Jr|Sr|Inc|Corp|Co|Ltd|"
    r"No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|etc|approx|Nr|Dr|bzw|ca|z\.B)\.)$"
)
_SENTENCE_END = re.compile(r"[.!?…。！？](?:[\"'”’»)\]]*)(?=\s+|$)")
# Trailing attribution: ", two sources familiar with the contacts said on Friday".
_ATTRIBUTION = re.compile(
    r",\s+(?:[^,]{0,90}?\s)?(?:said|says|told|reported|reports|announced|according to|stated|added|"
    r"sagte|teilte|erklärte|dijo|informó|a déclaré|ha detto)\b[^,]{0,60}(?:,.*)?$",
    re.IGNORECASE,
)
# Where a long clause can be cut: before subordinate or prepositional continuations.
_CUT_BEFORE = re.compile(
    r"\s(?=(?:about|after|amid|as|because|before|but|despite|following|including|since|though|"
    r"until|when|where|which|while|who|without|with|in order|over|on|for|to|from|in|at)\b)",
    re.IGNORECASE,
)


# Markers some agencies put before a headline: asterisks ("*Storm hits coast", urgency or
# list marks), bullets, and a Markdown heading's "# " (a hashtag keeps its "#").
_LEADING_MARKERS = re.compile(r"^(?:[*•►▶■]+\s*|#{1,6}\s+)+")


def strip_markers(headline: str) -> str:
    """'*Storm hits coast' -> 'Storm hits coast'; a headline that is only markers stays."""
    stripped = _LEADING_MARKERS.sub("", headline)
    return stripped if stripped.strip() else headline


@cache
def _signal_prefix() -> tuple[re.Pattern[str], dict[str, str]]:
    table = {str(k).upper(): str(v) for k, v in load("boilerplate")["headline_signals"].items()}
    alt = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    # Upper-case only ("CORRECTED-", "UPDATE 2-", "REFILE-"): a headline starting "Update on" is news.
    return re.compile(rf"^(?P<sig>{alt})(?:\s*\d{{1,2}})?\s*(?:-|:|–|—)\s*"), table


def strip_signal_prefixes(headline: str) -> tuple[str, list[str]]:
    """'CORRECTED-UPDATE 2-Foo' -> ('Foo', ['correction', 'update'])."""
    pat, table = _signal_prefix()
    signals: list[str] = []
    for _ in range(4):
        m = pat.match(headline)
        if not m or len(headline) - m.end() < 3:
            break
        signals.append(table[m["sig"].upper()])
        headline = headline[m.end() :]
    return headline, signals


def ends_with_abbreviation(text: str) -> bool:
    """True when the text's final period belongs to an abbreviation ("U.N.", "Inc.")."""
    return bool(_ABBREV.search(text.rstrip()))


def first_sentence(text: str) -> str:
    for m in _SENTENCE_END.finditer(text):
        before = text[: m.start() + 1]
        if _ABBREV.search(before):
            continue
        return before.strip()
    return text.strip()


def derive(body: str) -> str:
    """A headline from the story's lead: the first sentence's main clause, ≤ ~120 characters."""
    if not body:
        return ""
    lead = body.split("\n\n", 1)[0]
    found = datelines.find(lead)
    if found:
        lead = lead[found.end :]
    sentence = first_sentence(lead)
    core = sentence.rstrip(".!?…。 ")
    if core.endswith(tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) and re.search(r"\b(?:[A-Z]\.)+[A-Z]$", core):
        core += "."  # keep the period of a final abbreviation such as "U.S."
    core = _ATTRIBUTION.sub("", core).strip()
    return _shorten(core, MAX_DERIVED)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return _balance(text)
    head = text[: limit + 1]
    cuts = [m.start() for m in _CUT_BEFORE.finditer(head) if m.start() >= limit * 0.45]
    if cuts:
        out = head[: cuts[-1]]
    else:
        comma = head.rfind(", ")
        out = head[:comma] if comma >= limit * 0.45 else head.rsplit(" ", 1)[0]
    return _balance(out.rstrip(" ,;:–—-"))


def _balance(text: str) -> str:
    """Drop a dangling open quote or bracket at the end of a cut."""
    pairs = (("“", "”"), ("(", ")"), ("«", "»"), ("„", "“"))
    for o, c in pairs:
        if o != c and text.count(o) > text.count(c):
            text = text[: text.rfind(o)].rstrip(" ,;:–—-")
    if text.count('"') % 2:
        text = text[: text.rfind('"')].rstrip(" ,;:–—-")
    return text
