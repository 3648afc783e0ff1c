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
from tests.support import explain_repeats, isolated_settings, supervised_worker

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


# exactly_once was xfail until session 4: Faust repeated and lost records after kills (faust#596
# and the causes in README "Delivery guarantees"), then a rare start-up stall. Since the last fix
# (the idle-partition check) it passed 22 runs in a row: 5 in session 3, 17 in session 4.
@pytest.mark.parametrize("guarantee", ["exactly_once", "at_least_once"])
def test_sigkill_mid_stream(kafka_bootstrap, tmp_path, guarantee):
    """exactly_once: nothing lost, nothing twice (read_committed); at_least_once: nothing lost,
    repeats carry the same event id."""
    settings = isolated_settings(kafka_bootstrap, session_timeout="6s", processing_guarantee=guarantee)
    committed = guarantee == "exactly_once"
    items = list(synthetic_items(1500, seed=11))
    wanted = {raw.id for raw in items}
    asyncio.run(_ensure(settings))
    asyncio.run(produce_all(settings, items))

    kills = 0
    refusals = 0
    for round_ in range(3):
        target = len(wanted) * (round_ + 1) // 4
        # Let this worker make some progress, then kill it without warning.
        with supervised_worker(settings, tmp_path, OUTPUTS, lambda g, t=target: len(raw_ids(g).keys() & wanted) >= t,
                               committed_only=committed, wanted=wanted) as (worker, _, stops):
            worker.proc.send_signal(signal.SIGKILL)
            worker.proc.wait(10)
            kills += 1
            refusals += stops

    with supervised_worker(settings, tmp_path, OUTPUTS, lambda g: wanted <= raw_ids(g).keys(), committed_only=committed,
                           zero_lag=True, wanted=wanted) as (_, got, stops):
        refusals += stops
    seen = raw_ids(got)
    assert kills == 3
    print(f"\nworkers that stopped themselves for a restart (an undelivered record, faust#596, or a stuck commit): {refusals}")
    missing = wanted - seen.keys()
    assert not missing, f"{len(missing)} items lost"
    repeats = sum(n - 1 for n in seen.values())
    where = {t: len(got[t]) for t in OUTPUTS}
    print(f"\n{guarantee}, 3 SIGKILLs, {len(wanted)} items: 0 lost, {repeats} repeated outputs {where}")
    if repeats and guarantee == "exactly_once":
        print(asyncio.run(explain_repeats(settings, OUTPUTS)))  # which hop repeated them
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
