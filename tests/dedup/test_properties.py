"""Property tests: determinism, idempotence on re-delivery, well-formed decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.dedup import Deduplicator
from streams.models import DedupStatus, WireItem, stable_id

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2025, 3, 4, 12, tzinfo=UTC)


def _stories() -> list[tuple[str, list[str]]]:
    out = []
    for path in sorted(FIXTURES.glob("*.txt")):
        headline, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        out.append((headline.strip(), [p.strip() for p in body.split("\n\n") if p.strip()]))
    return out


STORIES = _stories()
URIS = [f"urn:nw:{i}" for i in range(5)] + ["urn:cp:1", "https://outlet.example/a", "urn:ntb:9"]


@st.composite
def texts(draw) -> tuple[str, str]:
    headline, paragraphs = draw(st.sampled_from(STORIES))
    # whole stories, stories less one paragraph (near copies) or a few paragraphs (other texts)
    cut = draw(st.sampled_from(["none", "one", "many"]))
    body = list(paragraphs)
    if cut == "one":
        del body[draw(st.integers(0, len(body) - 1))]
    elif cut == "many":
        body = body[: draw(st.integers(1, 3))]
    style = draw(st.sampled_from(["plain", "upper", "markup", "clutter"]))
    if style == "upper":
        headline = headline.upper()
    elif style == "markup":
        body = [f"<p>{p}</p>" for p in body]
    elif style == "clutter":
        body = [*body, "Reporting by Ana Ruiz; Editing by Tom Hale", "Sign up for our newsletter"]
    return headline, "\n\n".join(body)


@st.composite
def items(draw) -> WireItem:
    headline, body = draw(texts())
    return WireItem(
        uri=draw(st.sampled_from(URIS)),
        raw_id=f"raw-{draw(st.integers(0, 10**6))}",
        format="ninjs",
        headline=headline,
        body_text=body,
        version=draw(st.sampled_from([None, "1", "2", "3"])),
        evolvedfrom=draw(st.none() | st.sampled_from(URIS)),
        signals=draw(st.lists(st.sampled_from(["update", "correction", "refile"]), max_size=2, unique=True)),
        source={"agency": draw(st.sampled_from([None, "Nordwire", "NTB"]))},
        received_at=T0,
    )


def _fresh(store: dict | None = None, start: datetime = T0):
    now = [start]

    def clock() -> datetime:
        return now[0]

    return Deduplicator({} if store is None else store, clock=clock), now


PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(st.lists(items(), min_size=1, max_size=8), st.lists(st.integers(0, 3 * 24 * 60), min_size=8, max_size=8))
def test_two_fresh_instances_decide_identically(sequence, minutes):
    store_a: dict = {}
    store_b: dict = {}
    first, now_a = _fresh(store_a)
    second, now_b = _fresh(store_b)
    for item, gap in zip(sequence, minutes, strict=False):
        now_a[0] = now_b[0] = now_a[0] + timedelta(minutes=gap)
        assert first.decide(item) == second.decide(item)
    assert orjson.dumps(store_a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(store_b, option=orjson.OPT_SORT_KEYS)


@PROPERTY_SETTINGS
@given(st.lists(items(), max_size=6), items())
def test_an_item_fed_twice_is_a_duplicate_the_second_time(history, item):
    dedup, _ = _fresh()
    for earlier in history:
        dedup.decide(earlier)
    dedup.decide(item)
    again = dedup.decide(item.model_copy(update={"raw_id": "redelivered"}))
    assert again.status == DedupStatus.duplicate


@PROPERTY_SETTINGS
@given(st.lists(items(), min_size=1, max_size=8))
def test_decisions_are_well_formed(sequence):
    dedup, _ = _fresh()
    for item in sequence:
        info = dedup.decide(item)
        assert info.similarity is None or 0.0 <= info.similarity <= 1.0
        if info.status == DedupStatus.new:
            assert info.duplicate_of is None and info.replaces is None
            assert info.cluster_id == stable_id("cluster", item.uri)
        else:
            assert info.duplicate_of is not None
            assert info.cluster_id == stable_id("cluster", info.duplicate_of)
        if info.status == DedupStatus.update:
            assert info.replaces is not None
        else:
            assert info.replaces is None
