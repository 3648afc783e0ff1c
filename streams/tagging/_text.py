"""Text folding that keeps offsets: every character maps to exactly one character.

Matching runs on folded text ("Nicolás" -> "nicolas", "Cuba’s" -> "cuba's") so that one
dictionary entry covers every spelling, while a span found in the folded text indexes the
original text unchanged. Characters whose folded form would not be a single character are left
as they are, which keeps the mapping one-to-one.
"""

from __future__ import annotations

import re
import unicodedata

# Characters rewritten before folding: typographic quotes and dashes, and every kind of space.
_PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\n": " ", "\r": " ", "\u2028": " ",
    "\u2029": " ", "\u3000": " ",
}
# Letters NFD does not decompose but news copy folds anyway.
_LETTERS = {"ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i", "æ": "ae", "Æ": "AE"}

# The table covers Latin, Greek, Cyrillic and general punctuation; other scripts pass through.
_TABLE_LIMIT = 0x3100


def _fold_char(ch: str) -> str:
    if ch in _PUNCT:
        return _PUNCT[ch]
    if ch in _LETTERS:
        out = _LETTERS[ch]
        return out if len(out) == 1 else ch
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else ch


def _build_tables() -> tuple[dict[int, str], dict[int, str], dict[int, str], dict[int, str]]:
    fold_table: dict[int, str] = {}
    lower_table: dict[int, str] = {}
    words_table: dict[int, str] = {}
    words_lower_table: dict[int, str] = {}
    for cp in range(_TABLE_LIMIT):
        ch = chr(cp)
        folded = _fold_char(ch)
        lowered = folded.lower()
        if len(lowered) != 1:
            lowered = folded
        if folded != ch:
            fold_table[cp] = folded
        if lowered != ch:
            lower_table[cp] = lowered
        word = folded if folded.isalnum() else " "
        word_lower = lowered if lowered.isalnum() else " "
        if word != ch:
            words_table[cp] = word
        if word_lower != ch:
            words_lower_table[cp] = word_lower
    return fold_table, lower_table, words_table, words_lower_table


FOLD_TABLE, FOLD_LOWER_TABLE, WORDS_TABLE, WORDS_LOWER_TABLE = _build_tables()


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_WORDS_LOWER = bytes(
    (ord(chr(b).lower()) if chr(b).isalnum() else 0x20) for b in range(256)
)


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(WORDS_LOWER_TABLE)


def words_lower(text: str) -> str:
    """Folded, lower-cased text with every non-alphanumeric character made a space.

    Same length as ``text``; the automaton runs over it with keys written the same way and
    padded with spaces, so every match starts and ends at a word boundary by construction.
    (Fast path: fold the few non-ASCII runs, then one bytes.translate over the whole text.)
    """
    if not text.isascii():
        folded = _NON_ASCII.sub(_fold_run, text)
        if not folded.isascii() or len(folded) != len(text):
            return text.translate(WORDS_LOWER_TABLE)
        text = folded
    return text.encode("ascii").translate(_ASCII_WORDS_LOWER).decode("ascii")


def words(text: str) -> str:
    """Like :func:`words_lower` but keeping case (to check exact-case entries)."""
    return text.translate(WORDS_TABLE)


def match_key(phrase: str, *, lower: bool = True) -> str:
    """The automaton form of a phrase: its words, single-spaced (no padding)."""
    return " ".join((words_lower(phrase) if lower else words(phrase)).split())


def fold(text: str) -> str:
    """Accent- and punctuation-folded text of the same length, case kept."""
    return text.translate(FOLD_TABLE)


def fold_lower(text: str) -> str:
    """Accent- and punctuation-folded, lower-cased text of the same length."""
    return text.translate(FOLD_LOWER_TABLE)


def key_of(phrase: str) -> str:
    """The dictionary form of a phrase: folded, lower-cased, single-spaced."""
    return " ".join(fold_lower(phrase).split())


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", key_of(name)).strip("-")


_WORD = re.compile(r"\w+")


def word_starts(text: str) -> list[int]:
    """Start offsets of the words of ``text`` (for proximity conditions)."""
    return [m.start() for m in _WORD.finditer(text)]


def lead_end(body: str, limit: int = 400) -> int:
    """End offset of the lead: the first paragraph, at most ``limit`` characters."""
    cut = body.find("\n")
    if cut == -1 or cut > limit:
        cut = min(len(body), limit)
    return cut


def is_title_case(text: str) -> bool:
    """True for headlines written In Title Case or ALL CAPS, where capitals say nothing."""
    words = [w for w in _WORD.findall(text) if w[0].isalpha()]
    if len(words) < 3:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised / len(words) >= 0.6
