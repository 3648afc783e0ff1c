"""Replay's pure parts: the rate limiter, what a path holds, dead letters turned back into items."""

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from streams.ingest.replay import HEADER_REPLAY_OF, Problem, RateLimiter, count_items, iter_items
from streams.models import DeadLetter, RawItem, to_json


@given(st.floats(0.5, 5000), st.lists(st.tuples(st.integers(1, 50), st.floats(0, 0.5)), min_size=1, max_size=40))
def test_the_rate_is_never_exceeded(rate, windows):
    """Items booked by time t never exceed rate * t plus one window."""
    limiter = RateLimiter(rate)
    now = 0.0
    sent_at: list[tuple[float, int]] = []
    for n, gap in windows:
        now += gap
        start = now + limiter.delay(n, now)
        sent_at.append((start, n))
        now = start
    first = sent_at[0][0]
    total = 0
    for start, n in sent_at:
        assert total <= rate * (start - first) + 1e-6 * rate + 1e-6
        total += n


def test_no_rate_means_no_wait():
    limiter = RateLimiter(None)
    assert limiter.delay(10_000, 0.0) == 0 and limiter.window() == 500
    assert RateLimiter(2).window() == 1 and RateLimiter(100).window() == 25


def test_paths_are_read_as_raw_items_dead_letters_or_files(tmp_path: Path):
    raw = RawItem.from_bytes(b"WASHINGTON (Reuters) - text", source="agency:x", id="r1", filename="r1.txt")
    (tmp_path / "raw.jsonl").write_bytes(to_json(raw) + b"\n\n" + b'{"broken\n')
    refused = RawItem.from_bytes(b"\xff\xfe", source="agency:y", id="r2", format_hint="nitf")
    dead = DeadLetter.for_raw(refused, stage="normalise", reason="unknown_format", message="m")
    (tmp_path / "dlq.jsonl").write_bytes(to_json(dead) + b"\n")
    (tmp_path / "item.json").write_bytes(b'{\n "uri": "u", "headline": "h"\n}\n')
    problems: list[Problem] = []
    items = {i.raw.id: i for i in iter_items([tmp_path], source="replay", force_format=None, problems=problems)}
    assert count_items([tmp_path]) == 4  # two raw lines (one broken), one dead letter, one file
    assert len(problems) == 1 and problems[0].where.endswith("raw.jsonl:3")
    assert items["r1"].raw == raw  # an envelope is sent as it was
    assert items["r1"].key == b"agency:x:r1.txt"
    replayed = items["r2"]  # under the raw id, so its events keep their ids
    assert replayed.raw.payload_bytes() == b"\xff\xfe" and replayed.raw.payload_encoding == "base64"
    assert replayed.raw.source == "agency:y" and replayed.raw.format_hint == "nitf"
    assert replayed.headers == {HEADER_REPLAY_OF: dead.id}
    (file_item,) = [i for i in items.values() if i.raw.filename == "item.json"]
    assert file_item.raw.format_hint == "ninjs" and file_item.raw.source == "replay"
