"""Factories for the dedup tests: stories from fixtures/, items, a settable clock, a strict store."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.models import WireItem

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


class Story:
    """A fixture story: headline and body paragraphs."""

    def __init__(self, name: str) -> None:
        headline, _, body = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8").partition("\n\n")
        self.headline = headline.strip()
        self.paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@pytest.fixture(scope="session")
def story() -> Callable[[str], Story]:
    return Story


_raw_ids = itertools.count()


def _make_item(uri: str, headline: str, body: str, **fields: Any) -> WireItem:
    fields.setdefault("raw_id", f"raw-{next(_raw_ids)}")
    fields.setdefault("format", "ninjs")
    fields.setdefault("received_at", T0)
    return WireItem(uri=uri, headline=headline, body_text=body, **fields)


@pytest.fixture(scope="session")
def make_item() -> Callable[..., WireItem]:
    """make_item(uri, headline, body, agency=None, provider=None, **WireItem fields)."""

    def make(
        uri: str, headline: str, body: str, *, agency: str | None = None, provider: str | None = None, **fields: Any
    ) -> WireItem:
        if agency is not None or provider is not None:
            fields["source"] = {"agency": agency, "provider": provider or agency}
        return _make_item(uri, headline, body, **fields)

    return make


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


class StrictStore(MutableMapping[str, Any]):
    """A dict that behaves like a Faust table as far as the deduplicator may rely on: str keys,
    JSON-able values (stored as their JSON round trip, so a value mutated in place after a read
    or write is not seen), iterated only to build the in-memory index, and no len()."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = dict(data or {})
        self.writes = 0
        self.iterations = 0

    def __getitem__(self, key: str) -> Any:
        assert isinstance(key, str)
        return orjson.loads(orjson.dumps(self.data[key]))

    def __setitem__(self, key: str, value: Any) -> None:
        assert isinstance(key, str), key
        self.data[key] = orjson.loads(orjson.dumps(value))  # raises on anything not JSON-able
        self.writes += 1

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        # Allowed once per index build (a new deduplicator, or after reload()): counted, so
        # tests can assert that decisions and expiry never walk the store.
        self.iterations += 1
        return iter(list(self.data))

    def __len__(self) -> int:
        raise AssertionError("the deduplicator must not take len() of the store")


@pytest.fixture
def strict_store() -> StrictStore:
    return StrictStore()


@pytest.fixture(scope="session")
def strict_store_type() -> type[StrictStore]:
    return StrictStore
