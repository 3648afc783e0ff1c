"""The seed story and bad input through a real worker on the real local broker."""

import asyncio

import pytest

from streams import topics as T
from streams.models import DeadLetter, EnrichedEvent, RawItem
from tests.support import SEED, assert_seed_event, consume_until, isolated_settings, loads, produce, raw_envelope, worker_process

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(240)]


def test_seed_and_bad_input_flow_through_the_worker(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    seed_key, seed_value = raw_envelope(SEED.read_bytes(), source="outlet", filename=SEED.name)
    seed_id = RawItem.model_validate(loads(seed_value)).id
    bad = [
        # Bytes that are not UTF-8 and not text in any encoding.
        raw_envelope(bytes(range(256)) * 3, source="bad", filename="x.bin"),
        raw_envelope(b"", source="bad", filename="empty.txt"),
        raw_envelope(b'{"uri": "urn:x", "headline": "cut', source="bad", filename="trunc.json"),
    ]
    bad_ids = {RawItem.model_validate(loads(v)).id for _, v in bad}
    # A record that is not even an envelope, and one that is a broken envelope.
    garbage = [(b"g1", b'{"id": 1, "source": "s", "payload": "p", "received_at": "never"}')]
    # Bad input first: the seed behind it proves the worker kept going.
    records = bad + garbage + [(seed_key, seed_value)]

    with worker_process(settings, tmp_path) as worker:
        asyncio.run(produce(settings, T.RAW, records))

        def done(got):
            return bool(got[T.ENRICHED]) and len(got[T.DLQ]) >= 3

        got = asyncio.run(consume_until(settings, [T.ENRICHED, T.DLQ], done, worker=worker))

    events = [EnrichedEvent.model_validate(loads(v)) for v in got[T.ENRICHED]]
    seed_events = [e for e in events if e.raw_id == seed_id]
    assert len(seed_events) == 1
    assert_seed_event(seed_events[0])
    assert seed_events[0].dedup.status.value == "new"

    dead = [DeadLetter.model_validate(loads(v)) for v in got[T.DLQ]]
    by_raw = {d.raw_id: d for d in dead if d.raw_id}
    assert bad_ids <= set(by_raw)
    assert all(d.reason and d.message and d.stage == "normalise" for d in dead)
    assert any(d.reason == "invalid_envelope" and d.kafka and d.kafka["offset"] >= 0 for d in dead)
    for d in dead:
        if d.raw_id in bad_ids:
            original = next(RawItem.model_validate(loads(v)) for _, v in bad if RawItem.model_validate(loads(v)).id == d.raw_id)
            assert (d.original, d.original_encoding) == (original.payload, original.payload_encoding)


def test_seed_sent_twice_comes_out_once_and_the_copy_as_duplicate(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    first = raw_envelope(SEED.read_bytes(), source="outlet-a")
    second = raw_envelope(SEED.read_bytes(), source="outlet-b")
    with worker_process(settings, tmp_path) as worker:
        asyncio.run(produce(settings, T.RAW, [first, second]))
        got = asyncio.run(
            consume_until(settings, [T.ENRICHED, T.DUPLICATES], lambda g: g[T.ENRICHED] and g[T.DUPLICATES], worker=worker)
        )
    enriched = [EnrichedEvent.model_validate(loads(v)) for v in got[T.ENRICHED]]
    dupes = [EnrichedEvent.model_validate(loads(v)) for v in got[T.DUPLICATES]]
    assert len(enriched) == 1 and len(dupes) == 1
    assert dupes[0].dedup.duplicate_of == enriched[0].uri
    assert dupes[0].dedup.cluster_id == enriched[0].dedup.cluster_id


def test_unreadable_records_on_internal_hops_are_dead_letters(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    with worker_process(settings, tmp_path) as worker:
        asyncio.run(produce(settings, T.NORMALISED, [(b"dedup", b'{"uri": "no raw id"')]))
        asyncio.run(produce(settings, T.DEDUPLICATED, [(b"x", b'{"uri": "x", "raw_id": "r"}')]))
        got = asyncio.run(consume_until(settings, [T.DLQ], lambda g: len(g[T.DLQ]) >= 2, worker=worker))
    dead = {d.stage: d for d in (DeadLetter.model_validate(loads(v)) for v in got[T.DLQ])}
    assert dead["dedup"].reason == "invalid_json"
    assert dead["tag"].reason == "schema_invalid"
    assert dead["tag"].original == '{"uri": "x", "raw_id": "r"}'
