"""Text normalisation for deduplication: one canonical form for the exact fingerprint and the
word tokens the MinHash shingles are built from.

The canonical form is: markup stripped, entities decoded, Unicode NFKC, case-folded, and every run
of punctuation, symbols, control characters and whitespace folded to one space. Combining marks
are kept inside words, so scripts that write vowels as marks (Devanagari, Thai, ...) still tokenise
into whole words.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

__all__ = ["canonical_text", "fingerprint_canonical", "fingerprint_text"]

# A tag starts with a letter, '/', '!' or '?' right after '<', so "a < b" in plain text survives.
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")


def _is_separator(ch: str) -> bool:
    return not (ch.isalnum() or unicodedata.category(ch).startswith("M"))


def _bmp_separator_pattern() -> re.Pattern[str]:
    """Runs of Basic Multilingual Plane separators (neither letter/digit nor combining mark) or '_'.

    CPython's regex engine tests a class of BMP characters with one table lookup, so this is fast
    on every text; the rare astral characters (emoji, historic scripts) are classified one by one
    by `_fold_astral`, only in text that has any.
    """
    bmp = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and _is_separator(chr(c)))
    return re.compile(f"[{re.escape(bmp)}_]+")


_SEP_BMP = _bmp_separator_pattern()
# The words between separators: findall + join does in one pass what sub + split + join did.
_WORD_BMP = re.compile("[^" + _SEP_BMP.pattern[1:])
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
# ASCII text (most wire copy): NFKC changes nothing, casefold is lower(), and the separators are
# the bytes that are not letters or digits, mapped to spaces by one bytes.translate.
_ASCII_SEPARATORS = bytes(c if chr(c).isalnum() else 0x20 for c in range(128)) + bytes(range(128, 256))


def _fold_astral(text: str) -> str:
    return _ASTRAL.sub(lambda m: " " if _is_separator(m.group()) else m.group(), text)


_FP_SEP = "\x1f"  # between headline and body in the fingerprinted string


def canonical_text(text: str | None) -> str:
    """The canonical form of one text field (see the module docstring)."""
    if not text:
        return ""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        if not text.isascii():
            if len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text):
                return " ".join(_fold_astral(_SEP_BMP.sub(" ", text)).split())
            return " ".join(_WORD_BMP.findall(text))
    return " ".join(text.lower().encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split())


def fingerprint_canonical(headline: str, body: str) -> str:
    """The fingerprint of an already canonical headline and body."""
    return hashlib.blake2b(f"{headline}{_FP_SEP}{body}".encode(), digest_size=16).hexdigest()


def fingerprint_text(headline: str | None, body: str | None) -> str:
    """The exact-duplicate fingerprint: a 128-bit BLAKE2b of the canonical headline and body.

    Two items get the same fingerprint when their headline and body differ only in whitespace,
    case, markup, entities, punctuation or Unicode compatibility forms.
    """
    return fingerprint_canonical(canonical_text(headline), canonical_text(body))
