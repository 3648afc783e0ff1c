from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.models import DeadLetter, RawItem, WireItem
from streams.normalise import normalise

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORPUS = FIXTURES / "corpus"
RECEIVED = datetime(2025, 12, 6, 3, 0, tzinfo=UTC)


def raw_of(data: bytes | str, *, filename: str = "item", **kw) -> RawItem:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return RawItem.from_bytes(data, source="test", filename=filename, id=kw.pop("id", "r1"), received_at=RECEIVED, **kw)


def fixture_raw(rel: str, **kw) -> RawItem:
    path = FIXTURES / rel
    return raw_of(path.read_bytes(), filename=path.name, **kw)


def items_of(rel: str, **kw) -> list[WireItem]:
    out = normalise(fixture_raw(rel), **kw)
    assert isinstance(out, list), getattr(out, "message", out)
    return out


def one(rel: str, **kw) -> WireItem:
    items = items_of(rel, **kw)
    assert len(items) == 1
    return items[0]


def dead(rel_or_raw, **kw) -> DeadLetter:
    raw = fixture_raw(rel_or_raw) if isinstance(rel_or_raw, str) else rel_or_raw
    out = normalise(raw, **kw)
    assert isinstance(out, DeadLetter), out
    return out


@pytest.fixture(scope="session", autouse=True)
def _warm_language_model():
    from streams.normalise.language import detect

    detect("warm up the language identifier once per session")
