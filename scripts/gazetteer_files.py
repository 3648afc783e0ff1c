"""What the gazetteer generators (build_*.py beside this file) share: how names are folded for
comparison, how the JSON files are written, and the write-or-check step of their ``main``."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path


def fold(text: str) -> str:
    """Accents off, lower case, single spaces: "São  Paulo" and "sao paulo" compare equal."""
    decomposed = unicodedata.normalize("NFD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().split())


def render(data: dict) -> str:
    """The file's text: stable key order and one item per line, so diffs stay readable."""
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_or_check(out: Path, text: str, *, check: bool, script: str, summary: str) -> int:
    """Write `text` to `out`; with `check`, only compare and exit 1 when the file is stale."""
    if check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is stale: run scripts/{script}", file=sys.stderr)
            return 1
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: {summary}")
    return 0
