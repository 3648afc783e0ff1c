"""Dedup with real worker processes on the real broker: two workers, a restart, the window.

Copies of one story are produced at the same moment to partitions of ``wire.raw`` that two
different workers own; every pair must come out as exactly one `new` on ``wire.enriched`` and one
copy on ``wire.duplicates``. Outputs are reconciled by event id, as consumers do: faust-streaming
may deliver a record twice after a restart (faust#596), and such a repeat must carry the same
decision, never turn a story into a duplicate of itself.
"""

from __future__ import annotations

import asyncio
import random
import time

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.protocol.group import MemberAssignment

from streams import topics as T
from streams.dedup import kafka_default_partition
from streams.kafka_clients import client_kwargs, producer
from streams.models import EnrichedEvent, RawItem, to_json
from streams.settings import Settings
from tests.support import RunningWorker, consume_until, isolated_settings, worker_process

pytestmark = [pytest.mark.kafka]

_SYLLABLES = "ka lo mi ne su ta re vo pi da lu ge ho mo fa ri ze bo ti ca ne xu ya wo".split()


def story(rng: random.Random, words: int = 160) -> tuple[str, str]:
    """A story of made-up words: stories from different seeds share no word 3-grams."""

    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))

    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(word() for _ in range(rng.randint(8, 16))).capitalize() + ".")
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return " ".join(word() for _ in range(6)).capitalize(), "\n\n".join(paragraphs)


def ninjs(uri: str, headline: str, body: str, **extra) -> bytes:
    doc = {"uri": uri, "type": "text", "headline": headline, "body_text": body, "versioncreated": "2025-03-04T12:00:00Z"}
    doc.update(extra)
    return orjson.dumps(doc)


def envelope(payload: bytes, source: str) -> tuple[str, RawItem]:
    raw = RawItem.from_bytes(payload, source=source, format_hint="ninjs")
    return f"{source}:{raw.id}", raw


def key_on(partition: int, partitions: int, stem: str) -> bytes:
    """A record key that the default partitioner puts on `partition`."""
    for n in range(10_000):
        key = f"{stem}-{n}".encode()
        if kafka_default_partition(key, partitions) == partition:
            return key
    raise AssertionError("no key found")


async def produce_at_once(settings: Settings, records: list[tuple[bytes, bytes]]) -> None:
    """Send every record without waiting for the one before: copies arrive together."""
    prod = producer(settings)
    await prod.start()
    try:
        futures = [await prod.send(settings.topic(T.RAW), value, key=key) for key, value in records]
        await asyncio.gather(*futures)
    finally:
        await prod.stop()


async def raw_partitions_by_member(settings: Settings) -> dict[str, set[int]]:
    """The consumer group's current assignment of ``wire.raw`` partitions, by member."""
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([settings.app_id])
    except KafkaError:  # no coordinator yet (a fresh broker creates __consumer_offsets first)
        return {}
    finally:
        await admin.close()
    group = response.groups[0]
    state, members = group[2], group[5]
    if state != "Stable":
        return {}
    owned: dict[str, set[int]] = {}
    for member in members:
        member_id, assignment = member[0], member[-1]
        if not assignment:
            continue
        decoded = MemberAssignment.decode(assignment)
        for topic, partitions in decoded.assignment:
            if topic == settings.topic(T.RAW):
                owned.setdefault(member_id, set()).update(partitions)
    return owned


def wait_for_two_members(settings: Settings, workers: list[RunningWorker], timeout: float = 90.0) -> dict[str, set[int]]:
    deadline = time.monotonic() + timeout
    owned: dict[str, set[int]] = {}
    while time.monotonic() < deadline:
        for w in workers:
            assert w.proc.poll() is None, f"worker died:\n{w.log_tail()}"
        owned = asyncio.run(raw_partitions_by_member(settings))
        if len(owned) == 2 and all(owned.values()):
            return owned
        time.sleep(1.0)
    raise AssertionError(f"the group never had two members owning wire.raw partitions: {owned}\n{workers[0].log_tail()}")


def events(values: list[bytes]) -> dict[str, EnrichedEvent]:
    """Events by event id: a repeat of one event (same id) counts once, as consumers drop it."""
    by_id: dict[str, EnrichedEvent] = {}
    for value in values:
        event = EnrichedEvent.model_validate(orjson.loads(value))
        previous = by_id.setdefault(event.event_id, event)
        assert previous.dedup == event.dedup, f"a repeat of {event.uri} got another decision"
    return by_id


def wait_ready(worker: RunningWorker, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.proc.poll() is None, f"worker died:\n{worker.log_tail()}"
        if "Ready" in worker.log.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise AssertionError(f"worker not ready:\n{worker.log_tail()}")


# ------------------------------------------------------------------ two workers


@pytest.mark.timeout(300)
def test_copies_on_partitions_of_two_workers_are_caught(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    assert settings.partitions == 6
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with worker_process(settings, tmp_path / "a") as a, worker_process(settings, tmp_path / "b") as b:
        owned = wait_for_two_members(settings, [a, b])
        first, second = (sorted(p) for p in owned.values())
        rng = random.Random(4)
        records, raw_ids, pairs = [], {}, []
        for i in range(40):
            headline, body = story(rng)
            # Alternate exact copies (re-typeset) and near copies (outlet headline and clutter).
            if i % 2:
                copy = ninjs(f"https://outlet.example/{i}", headline.upper(), body.replace(". ", ".  "))
            else:
                clutter = "Reporting by Ana Lima; Editing by Tom Hale\n\nRead more: Markets close higher"
                copy = ninjs(f"https://outlet.example/{i}", f"{headline} - Outlet", f"{body}\n\n{clutter}")
            original = ninjs(f"urn:agency:{i}", headline, body)
            # The two copies on partitions owned by different workers, every combination in turn.
            p, q = first[i % len(first)], second[(i // len(first)) % len(second)]
            if i % 3 == 0:
                p, q = q, p
            _, raw_a = envelope(original, "agency")
            _, raw_b = envelope(copy, "outlet")
            records.append((key_on(p, 6, f"agency-{i}"), to_json(raw_a)))
            records.append((key_on(q, 6, f"outlet-{i}"), to_json(raw_b)))
            raw_ids[raw_a.id] = raw_ids[raw_b.id] = i
            pairs.append((f"urn:agency:{i}", f"https://outlet.example/{i}"))
        asyncio.run(produce_at_once(settings, records))

        def done(got):
            return len(events(got[T.ENRICHED])) + len(events(got[T.DUPLICATES])) >= 2 * len(pairs)

        asyncio.run(consume_until(settings, [T.ENRICHED, T.DUPLICATES, T.DLQ], done, timeout=150, worker=a))  # every pair out
        time.sleep(3.0)  # anything extra (a third event for some pair) would arrive by now
        got_more = asyncio.run(consume_until(settings, [T.ENRICHED, T.DUPLICATES, T.DLQ], done, timeout=30))
        assert asyncio.run(raw_partitions_by_member(settings)) == owned, "a rebalance happened during the run"

    assert not got_more[T.DLQ], [orjson.loads(v)["reason"] for v in got_more[T.DLQ]]
    enriched, duplicates = events(got_more[T.ENRICHED]), events(got_more[T.DUPLICATES])
    by_pair: dict[int, list[EnrichedEvent]] = {}
    for event in [*enriched.values(), *duplicates.values()]:
        by_pair.setdefault(raw_ids[event.raw_id], []).append(event)
    assert sorted(by_pair) == list(range(len(pairs))), "items lost"
    for i, evs in by_pair.items():
        new = [e for e in evs if e.event_id in enriched]
        copies = [e for e in evs if e.event_id in duplicates]
        assert len(new) == 1 and len(copies) == 1, (i, [(e.uri, e.dedup.status.value) for e in evs])
        assert new[0].dedup.status.value == "new"
        assert copies[0].dedup.status.value == ("duplicate" if i % 2 else "near_duplicate")
        assert copies[0].dedup.duplicate_of == new[0].uri
        assert copies[0].dedup.cluster_id == new[0].dedup.cluster_id
        assert {new[0].uri, copies[0].uri} == set(pairs[i])


# ------------------------------------------------------------------ restart


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("store", "same_dir"),
    [
        pytest.param("memory://", False, id="memory-moved"),
        pytest.param("rocksdb://", True, id="rocksdb-restarted"),
    ],
)
def test_a_new_worker_process_remembers_what_the_stopped_one_saw(kafka_bootstrap, tmp_path, store, same_dir):
    settings = isolated_settings(kafka_bootstrap, store=store)
    env = {"WIRE_STORE": store}
    rng = random.Random(7)
    headline, body = story(rng)
    other_headline, other_body = story(rng)
    first = [envelope(ninjs("urn:agency:x", headline, body), "agency")]
    dir_a = tmp_path / "a"
    dir_b = dir_a if same_dir else tmp_path / "b"
    dir_a.mkdir()
    dir_b.mkdir(exist_ok=True)

    with worker_process(settings, dir_a, env) as a:
        asyncio.run(produce_at_once(settings, [(k.encode(), to_json(r)) for k, r in first]))
        asyncio.run(consume_until(settings, [T.ENRICHED], lambda g: g[T.ENRICHED], worker=a))
    assert a.proc.returncode is not None  # stopped by SIGTERM on leaving the block

    second = [
        envelope(ninjs("https://outlet.example/x", headline.upper(), body + "\n\nRead more: Markets close"), "outlet"),
        envelope(ninjs("urn:agency:y", other_headline, other_body), "agency"),
    ]
    with worker_process(settings, dir_b, env) as b:
        wait_ready(b)
        asyncio.run(produce_at_once(settings, [(k.encode(), to_json(r)) for k, r in second]))

        def done(got):
            return len(events(got[T.ENRICHED])) >= 2 and len(events(got[T.DUPLICATES])) >= 1

        got = asyncio.run(consume_until(settings, [T.ENRICHED, T.DUPLICATES], done, timeout=120, worker=b))

    enriched, duplicates = events(got[T.ENRICHED]), events(got[T.DUPLICATES])
    assert sorted(e.uri for e in enriched.values()) == ["urn:agency:x", "urn:agency:y"]
    assert all(e.dedup.status.value == "new" for e in enriched.values())
    [copy] = duplicates.values()
    assert copy.uri == "https://outlet.example/x"
    assert copy.dedup.status.value == "near_duplicate" and copy.dedup.duplicate_of == "urn:agency:x"
    if store.startswith("rocksdb"):
        assert any(dir_a.joinpath("data").rglob("*.sst")) or any(dir_a.joinpath("data").rglob("CURRENT"))


# ------------------------------------------------------------------ window


@pytest.mark.timeout(240)
def test_a_story_older_than_the_window_is_new_again(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    rng = random.Random(11)
    headline, body = story(rng)
    with worker_process(settings, tmp_path, {"WIRE_DEDUP_WINDOW": "4s"}) as worker:
        wait_ready(worker)
        key, raw = envelope(ninjs("urn:agency:w", headline, body), "agency")
        asyncio.run(produce_at_once(settings, [(key.encode(), to_json(raw))]))
        asyncio.run(consume_until(settings, [T.ENRICHED], lambda g: len(g[T.ENRICHED]) >= 1, worker=worker))
        # Inside the window the copy is a duplicate ...
        key, raw = envelope(ninjs("https://outlet.example/w1", headline, body), "outlet")
        asyncio.run(produce_at_once(settings, [(key.encode(), to_json(raw))]))
        asyncio.run(consume_until(settings, [T.DUPLICATES], lambda g: len(g[T.DUPLICATES]) >= 1, worker=worker))
        time.sleep(5.0)
        # ... once the original is older than the window, a copy is a new story.
        key, raw = envelope(ninjs("https://outlet.example/w2", headline, body), "outlet")
        asyncio.run(produce_at_once(settings, [(key.encode(), to_json(raw))]))
        got = asyncio.run(consume_until(settings, [T.ENRICHED], lambda g: len(g[T.ENRICHED]) >= 2, worker=worker))
    later = [e for e in events(got[T.ENRICHED]).values() if e.uri == "https://outlet.example/w2"]
    assert len(later) == 1 and later[0].dedup.status.value == "new"
