"""News agencies from ``data/agencies.yaml``: canonical names by dateline spelling or provider code."""

from __future__ import annotations

import re
from functools import cache

from .resources import load


def _key(text: str) -> str:
    return re.sub(r"[\s._\-]+", " ", text.strip().casefold()).strip()


@cache
def _tables() -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
    by_spelling: dict[str, str] = {}
    by_code: dict[str, str] = {}
    spellings: list[str] = []
    for entry in load("agencies")["agencies"]:
        name = str(entry["name"])
        for s in [name, *entry.get("spellings", [])]:
            by_spelling.setdefault(_key(str(s)), name)
            spellings.append(str(s))
        for c in entry.get("codes", []):
            by_code.setdefault(_key(str(c)), name)
    return by_spelling, by_code, tuple(sorted(set(spellings), key=len, reverse=True))


def canonical(text: str | None) -> str | None:
    """The canonical agency for a spelling as written in a dateline or credit, else None."""
    if not text:
        return None
    return _tables()[0].get(_key(text))


def from_code(code: str | None) -> str | None:
    """The canonical agency for a provider code or qcode (``nprov:REUTERS``, ``afp.com``), else None."""
    if not code:
        return None
    value = code.strip()
    if ":" in value and not value.startswith(("http:", "https:")):
        value = value.split(":", 1)[1]
    value = re.sub(r"^https?://(www\.)?", "", value).split("/", 1)[0]
    by_spelling, by_code, _ = _tables()
    k = _key(value)
    return by_code.get(k) or by_spelling.get(k)


def spelling_pattern() -> str:
    """A regex alternation of every known dateline spelling (longest first)."""
    return _spelling_pattern()


@cache
def _spelling_pattern() -> str:
    parts = [re.escape(s).replace(r"\ ", r"\s+") for s in _tables()[2]]
    return "(?:" + "|".join(parts) + ")"
