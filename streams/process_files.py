"""`wirestream process`: the composed pipeline over files, no broker."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .models import DeadLetter, RawItem, stable_id, to_json
from .pipeline import Pipeline, is_duplicate
from .settings import Settings


# Notes that live beside items in a folder (SOURCES.md, README.md) are not wire items.
NOT_ITEMS = frozenset({".md"})


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files in the order given; folders recursively in sorted order, hidden files and Markdown
    notes skipped (a file named explicitly is always processed)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and child.suffix.lower() not in NOT_ITEMS:
                    yield child
        else:
            yield path


def file_item_id(name: str, digest: str) -> str:
    """The RawItem id of a file: the same name and bytes always give the same id, so one file
    has one id (and its events the same event ids) wherever it enters: `process`, the drop
    folder or replay."""
    return stable_id("file", name, digest)


def raw_from_file(path: Path, *, source: str) -> RawItem:
    data = path.read_bytes()
    return RawItem.from_bytes(data, id=file_item_id(path.name, hashlib.sha256(data).hexdigest()), source=source, filename=path.name)


def run_files(
    settings: Settings,
    paths: Iterable[Path],
    *,
    out: BinaryIO,
    dlq: BinaryIO,
    force_format: str | None = None,
    source: str = "file",
    pipeline: Pipeline | None = None,
) -> dict[str, int]:
    pipeline = pipeline or Pipeline.from_settings(settings)
    counts = {"files": 0, "events": 0, "duplicates": 0, "dead": 0}
    for path in expand(paths):
        counts["files"] += 1
        for outcome in pipeline.process(raw_from_file(path, source=source), force_format=force_format):
            if isinstance(outcome, DeadLetter):
                counts["dead"] += 1
                dlq.write(to_json(outcome) + b"\n")
            else:
                counts["events"] += 1
                counts["duplicates"] += is_duplicate(outcome)
                out.write(to_json(outcome) + b"\n")
    out.flush()
    dlq.flush()
    return counts
