"""Outlet captures of wire stories (tests/fixtures/captures): each page, plain text or HTML, read
through the same normalise stage as `wirestream process`, against expectations written before
the pipeline was run on it (expected.yaml)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from streams.models import WireItem
from streams.pipeline import normalise_stage
from streams.process_files import raw_from_file

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"
EXPECTED = yaml.safe_load((CAPTURES / "expected.yaml").read_text(encoding="utf-8"))["captures"]


def read(name: str) -> WireItem:
    out = normalise_stage(raw_from_file(CAPTURES / name, source="file"))
    assert isinstance(out, list), getattr(out, "message", out)
    assert len(out) == 1
    return out[0]


def problems(name: str, want: dict) -> list[str]:
    item = read(name)
    found = []
    place = item.dateline.place if item.dateline else None
    checks = {
        "agency": (item.source.agency, want["agency"]),
        "place": (place, want["place"]),
        "versioncreated": (item.versioncreated, datetime.fromisoformat(want["versioncreated"])),
        "headline": (item.headline, want["headline"]),
    }
    for key, (got, expected) in checks.items():
        if got != expected:
            found.append(f"{key}: {got!r} != {expected!r}")
    body = item.body_text
    paragraphs = body.split("\n\n")
    if not body.startswith(want["lead"]):
        found.append(f"lead: body starts {body[:80]!r}")
    if not any(p.endswith(want["last"]) for p in paragraphs):
        found.append(f"last: no paragraph ends with {want['last']!r}; body ends {body[-120:]!r}")
    for text in want.get("contains", []):
        if text not in body:
            found.append(f"lost story text {text!r}")
    for text in want.get("not_in_body", []):
        if text in body:
            found.append(f"clutter in body: {text!r}")
    return found


def test_every_capture_has_expectations():
    files = {p.name for p in CAPTURES.iterdir() if p.suffix in (".txt", ".html")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture(name):
    assert problems(name, EXPECTED[name]) == []


if __name__ == "__main__":  # a report by batch: python -m tests.normalise.test_captures [dev|holdout]
    import sys

    batch = sys.argv[1] if len(sys.argv) > 1 else "dev"
    failed = 0
    for name, want in sorted(EXPECTED.items()):
        if want["batch"] != batch:
            continue
        found = problems(name, want)
        failed += bool(found)
        print(("FAIL " if found else "ok   ") + name)
        for f in found:
            print("     " + f)
    print(f"{batch}: {failed} of {sum(w['batch'] == batch for w in EXPECTED.values())} failing")
