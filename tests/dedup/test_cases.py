"""Dedup cases (tests/fixtures/dedup_cases): each folder is a short stream of wire items - outlet
captures (plain text, HTML), ninjs, NewsML-G2, NITF - in arrival order (sorted file names), run
through the same stage functions as `wirestream process` (normalise_stage, then dedup_stage over
one store), against the expectations in the folder's expected.yaml, written before the pipeline
was run on it: each item's status, and which items are one story (one cluster_id).

A case may carry ``xfail: <reason>`` when its cause lies outside dedup (in normalise).

``python -m tests.dedup.test_cases [dev|holdout|all]`` prints a report by batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.models import DeadLetter, EnrichedEvent
from streams.pipeline import build_deduplicator, dedup_stage, normalise_stage
from streams.process_files import raw_from_file
from streams.settings import Settings

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "dedup_cases"
EXPECTED = "expected.yaml"


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / EXPECTED).is_file())


def load(case: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / case / EXPECTED).read_text(encoding="utf-8"))


def run(case: str) -> list[tuple[str, EnrichedEvent | DeadLetter]]:
    """Every item file of the case in sorted order through normalise and dedup with one store."""
    dedup = build_deduplicator(Settings(), {})
    out: list[tuple[str, EnrichedEvent | DeadLetter]] = []
    for path in sorted(p for p in (CASES / case).iterdir() if p.name != EXPECTED and not p.name.startswith(".")):
        normalised = normalise_stage(raw_from_file(path, source="file"))
        if isinstance(normalised, DeadLetter):
            out.append((path.name, normalised))
            continue
        for item in normalised:
            out.append((path.name, dedup_stage(dedup, item)))
    return out


def problems(case: str) -> list[str]:
    want = load(case)["items"]
    got = run(case)
    found: list[str] = []
    names = [name for name, _ in got]
    if sorted(names) != sorted(want):
        found.append(f"items {names} != expected {sorted(want)}")
    clusters: dict[str, str] = {}  # story label -> cluster id of its first item
    owners: dict[str, str] = {}  # cluster id -> story label
    for name, event in got:
        if name not in want:
            continue
        if isinstance(event, DeadLetter):
            found.append(f"{name}: dead letter {event.reason}: {event.message}")
            continue
        w = want[name]
        d = event.dedup
        sim = "" if d.similarity is None else f" sim {d.similarity:.3f}"
        if d.status.value != w["status"]:
            found.append(f"{name}: status {d.status.value} != {w['status']}{sim}")
        story = w["story"]
        if story in clusters and clusters[story] != d.cluster_id:
            found.append(f"{name}: not in the cluster of story {story!r}{sim}")
        clusters.setdefault(story, d.cluster_id)
        other = owners.setdefault(d.cluster_id, story)
        if other != story:
            found.append(f"{name}: merged into story {other!r}, expected its own story {story!r}{sim}")
    return found


@pytest.mark.parametrize("case", case_names())
def test_case(case: str, request: pytest.FixtureRequest) -> None:
    reason = load(case).get("xfail")
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    assert problems(case) == []


def test_every_case_names_its_files() -> None:
    for case in case_names():
        files = {p.name for p in (CASES / case).iterdir() if p.name != EXPECTED}
        assert files == set(load(case)["items"]), case


if __name__ == "__main__":
    import sys

    batch = sys.argv[1] if len(sys.argv) > 1 else "dev"
    failing = total = 0
    for case in case_names():
        if batch != "all" and load(case)["batch"] != batch:
            continue
        total += 1
        found = problems(case)
        failing += bool(found)
        print(("FAIL " if found else "ok   ") + case)
        for line in found:
            print("     " + line)
    print(f"{batch}: {failing} of {total} failing")
