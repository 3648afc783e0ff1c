"""`wirestream replay-dlq`: dead letters back to wire.raw as their original RawItems."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from streams import topics as T
from streams.models import DeadLetter, EnrichedEvent, RawItem, to_json
from streams.normalise import normalise
from streams.normalise.replay import Selection, Tally, letters_from_lines, parse_since, plan, rebuild
from tests.support import SEED, consume_until, isolated_settings, loads, produce, raw_envelope, worker_process

from .conftest import raw_of


def test_rebuild_gives_back_the_original_raw_item():
    raw = RawItem.from_bytes(bytes(range(256)) * 3, source="dropfolder:x", id="abc-1")
    letter = normalise(raw)
    assert isinstance(letter, DeadLetter)
    key, value = rebuild(letter)
    again = RawItem.model_validate(orjson.loads(value))
    assert key == b"dropfolder:x:abc-1"
    assert (again.id, again.source, again.received_at) == (raw.id, raw.source, raw.received_at)
    assert again.payload_bytes() == raw.payload_bytes()
    assert again.headers["wire-replay-reason"] == letter.reason
    # Normalising the rebuilt item fails the same way, with the same dead-letter id: traceable.
    assert normalise(again).id == letter.id


def test_selection_and_stages():
    now = datetime(2025, 12, 6, 12, tzinfo=UTC)
    too_large = normalise(raw_of(b"x" * 4096), max_bytes=1024)
    empty = normalise(raw_of(b"   "))
    old = empty.model_copy(update={"failed_at": now - timedelta(days=3)})
    tag = too_large.model_copy(update={"stage": "tag", "reason": "internal_error"})
    tally = Tally()
    chosen = plan([too_large, empty, old, tag], Selection(), tally)
    assert len(chosen) == 3 and tally.skipped == 1  # a tag-stage letter cannot go back to wire.raw
    chosen = plan([too_large, empty, old], Selection(reasons=frozenset({"too_large"})), Tally())
    assert [c[0].reason for c in chosen] == ["too_large"]
    chosen = plan([old.model_copy(update={"failed_at": now - timedelta(days=3)}), empty.model_copy(update={"failed_at": now})],
                  Selection(since=parse_since("1d", now=now)), Tally())
    assert len(chosen) == 1
    assert parse_since("2025-12-01T00:00:00Z") == datetime(2025, 12, 1, tzinfo=UTC)


def test_unreadable_lines_are_counted_not_fatal():
    tally = Tally()
    good = to_json(normalise(raw_of(b"")))
    assert len(list(letters_from_lines([good, b"{not json", b"", b'{"id": 1}'], tally))) == 1
    assert (tally.read, tally.unreadable) == (3, 2)


def _env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"WIRE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "WIRE_TOPIC_PREFIX": settings.topic_prefix,
                "WIRE_APP_ID": settings.app_id})
    return env


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams", "replay-dlq", *args], env=_env(settings),
                          capture_output=True, timeout=120)


@pytest.mark.kafka
@pytest.mark.timeout(300)
def test_replay_from_topic_after_the_limit_is_raised(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    seed_key, seed_value = raw_envelope(SEED.read_bytes(), source="outlet", filename=SEED.name)
    seed = RawItem.model_validate(loads(seed_value))
    empty = raw_envelope(b"", source="bad")

    # First worker: a limit below the seed's size makes it a too_large dead letter.
    with worker_process(settings, tmp_path, extra_env={"WIRE_MAX_ITEM_BYTES": "1024"}) as worker:
        asyncio.run(produce(settings, T.RAW, [(seed_key, seed_value), empty]))
        got = asyncio.run(consume_until(settings, [T.DLQ], lambda g: len(g[T.DLQ]) >= 2, worker=worker))
    reasons = {DeadLetter.model_validate(loads(v)).reason for v in got[T.DLQ]}
    assert reasons == {"too_large", "empty_payload"}

    dry = _cli(settings, "--dry-run")
    assert dry.returncode == 0, dry.stderr.decode()
    assert dry.stdout.decode().count("would send") == 2
    dry = _cli(settings, "--dry-run", "--reason", "too_large", "--since", "1h", "--stage", "normalise")
    assert dry.stdout.decode().count("would send") == 1 and seed.id in dry.stdout.decode()
    assert _cli(settings, "--reason", "nonsense").returncode == 2

    # The fix: a worker with the default limit. Only the too_large letter is replayed.
    with worker_process(settings, tmp_path) as worker:
        sent = _cli(settings, "--reason", "too_large")
        assert sent.returncode == 0, sent.stderr.decode()
        assert b"sent 1" in sent.stderr
        got = asyncio.run(consume_until(settings, [T.ENRICHED, T.RAW], lambda g: bool(g[T.ENRICHED]), worker=worker))
    [event] = [EnrichedEvent.model_validate(loads(v)) for v in got[T.ENRICHED]]
    assert event.raw_id == seed.id and event.source.channel == "outlet"
    assert event.received_at == seed.received_at
    assert event.source.agency == "Reuters"
    assert len(got[T.RAW]) == 3  # the two originals and one replay; the dry runs sent nothing
    [replayed] = [r for r in (RawItem.model_validate(loads(v)) for v in got[T.RAW]) if "wire-replay-reason" in r.headers]
    assert (replayed.id, replayed.source) == (seed.id, seed.source)
    assert replayed.payload_bytes() == seed.payload_bytes() and replayed.headers["wire-replay-reason"] == "too_large"


@pytest.mark.kafka
@pytest.mark.timeout(180)
def test_replay_from_a_process_dump(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    asyncio.run(__import__("streams.kafka_clients", fromlist=["ensure_topics"]).ensure_topics(settings))
    bad = tmp_path / "in" / "broken.json"
    bad.parent.mkdir()
    bad.write_bytes(b'{"uri": "urn:x", "headline": "cut')
    dump = tmp_path / "dead.jsonl"
    done = subprocess.run([sys.executable, "-m", "streams", "process", str(bad.parent), "--dlq", str(dump)],
                          env=_env(settings), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    [letter] = [DeadLetter.model_validate(orjson.loads(x)) for x in dump.read_bytes().splitlines()]
    sent = _cli(settings, "--file", str(dump))
    assert sent.returncode == 0, sent.stderr.decode()
    got = asyncio.run(consume_until(settings, [T.RAW], lambda g: bool(g[T.RAW])))
    [value] = got[T.RAW]
    raw = RawItem.model_validate(loads(value))
    assert (raw.id, raw.source) == (letter.raw_id, letter.source)
    assert raw.payload_bytes() == bad.read_bytes()
