"""Fixtures for the tagging tests: one Tagger per session and a WireItem factory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.models import Dateline, Subject, WireItem
from streams.tagging import Tagger

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "000_151a3f9044382b47.txt"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    return Tagger.load()


def make_item(body: str = "", headline: str = "", dateline: str | None = None,
              subjects: list[Subject] | None = None) -> WireItem:
    return WireItem(
        uri="test:item",
        raw_id="raw-1",
        format="text",
        headline=headline,
        body_text=body,
        dateline=Dateline(place=dateline) if dateline else None,
        subjects=subjects or [],
        received_at=datetime(2025, 12, 5, 12, 0, tzinfo=UTC),
    )


@pytest.fixture
def item_factory():
    return make_item


def seed_body() -> str:
    """The seed story's paragraphs, from the dateline line to "...foreign terrorist group."

    (What the normaliser leaves of the seed page: the caption before and the clutter after go.)
    """
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("WASHINGTON, Dec 5 (Reuters)"))
    end = next(i for i, line in enumerate(lines) if line.rstrip().endswith("foreign terrorist group."))
    return "\n".join(lines[start : end + 1])


@pytest.fixture(scope="session")
def seed_item() -> WireItem:
    if not SEED.exists():
        pytest.skip("the seed story is not available here")
    return make_item(seed_body(), dateline="WASHINGTON")


def codes(tags) -> list[str]:
    return [t.code for t in tags]
