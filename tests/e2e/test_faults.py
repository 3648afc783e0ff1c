"""Delivery under faults on the real broker: workers killed with SIGKILL mid-stream, then
reconciled by id. Every input must come out (at least once); repeats are counted."""

import asyncio
import collections
import signal

import orjson
import pytest

from streams import topics as T
from streams.bench.workload import synthetic_items
from streams.kafka_clients import producer
from streams.models import to_json
from tests.support import consume_until, isolated_settings, worker_process

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(600)]

OUTPUTS = [T.ENRICHED, T.DUPLICATES, T.DLQ]


async def produce_all(settings, items):
    prod = producer(settings, compression_type="zstd", linger_ms=20)
    await prod.start()
    try:
        futures = [
            await prod.send(settings.topic(T.RAW), to_json(raw), key=f"{raw.source}:{raw.id}".encode()) for raw in items
        ]
        await asyncio.gather(*futures)
    finally:
        await prod.stop()


def raw_ids(got):
    seen = collections.Counter()
    for topic in OUTPUTS:
        for value in got[topic]:
            seen[orjson.loads(value)["raw_id"]] += 1
    return seen


# exactly_once is not in this list yet: with Faust 0.15.3 a SIGKILLed exactly_once worker left
# committed duplicates on the outputs and the next one hung in changelog recovery one offset
# short of the transaction marker (faust#176/#597 family); see the README's delivery notes.
@pytest.mark.parametrize("guarantee", ["at_least_once"])
def test_sigkill_mid_stream(kafka_bootstrap, tmp_path, guarantee):
    """at_least_once: nothing lost; repeats carry the same event id."""
    settings = isolated_settings(kafka_bootstrap, session_timeout="6s", processing_guarantee=guarantee)
    committed = guarantee == "exactly_once"
    items = list(synthetic_items(1500, seed=11))
    wanted = {raw.id for raw in items}
    asyncio.run(_ensure(settings))
    asyncio.run(produce_all(settings, items))

    kills = 0
    for round_ in range(3):
        with worker_process(settings, tmp_path) as worker:
            target = len(wanted) * (round_ + 1) // 4
            # Let this worker make some progress, then kill it without warning.
            asyncio.run(
                consume_until(
                    settings, OUTPUTS, lambda g, t=target: len(raw_ids(g).keys() & wanted) >= t,
                    timeout=180, worker=worker, committed_only=committed,
                )
            )
            worker.proc.send_signal(signal.SIGKILL)
            worker.proc.wait(10)
            kills += 1

    with worker_process(settings, tmp_path) as worker:
        got = asyncio.run(
            consume_until(
                settings, OUTPUTS, lambda g: wanted <= raw_ids(g).keys(), timeout=240, worker=worker,
                committed_only=committed,
            )
        )
    seen = raw_ids(got)
    assert kills == 3
    missing = wanted - seen.keys()
    assert not missing, f"{len(missing)} items lost"
    repeats = sum(n - 1 for n in seen.values())
    where = {t: len(got[t]) for t in OUTPUTS}
    print(f"\n{guarantee}, 3 SIGKILLs, {len(wanted)} items: 0 lost, {repeats} repeated outputs {where}")
    if guarantee == "exactly_once":
        assert repeats == 0, f"{repeats} items came out more than once"
    # Every output carries a deterministic event id: repeats are recognisable downstream.
    events = [orjson.loads(v) for v in got[T.ENRICHED] + got[T.DUPLICATES]]
    by_id = collections.defaultdict(set)
    for e in events:
        by_id[e["event_id"]].add((e["raw_id"], e["item_index"]))
    assert all(len(v) == 1 for v in by_id.values())


async def _ensure(settings):
    from streams.kafka_clients import ensure_topics

    await ensure_topics(settings)
