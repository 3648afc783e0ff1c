"""`wirestream process` and the workers run the same stage functions: for the same raw items in
the same order they must give identical events (all but the processing time)."""

import asyncio

import orjson
import pytest

from streams import topics as T
from streams.models import to_json
from streams.pipeline import Pipeline
from streams.process_files import expand, raw_from_file
from streams.settings import Settings
from tests.support import FIXTURES, consume_until, isolated_settings, produce, worker_process

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]

VOLATILE = {"processed_at"}


def comparable(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in VOLATILE}


def test_worker_events_equal_process_events(kafka_bootstrap, tmp_path):
    paths = list(expand([FIXTURES / "corpus", FIXTURES / "seed", FIXTURES / "text", FIXTURES / "anpa", FIXTURES / "html"]))
    raws = [raw_from_file(p, source="parity") for p in paths]

    local = {"events": {}, "dead": set()}
    outcomes = 0
    pipeline = Pipeline.from_settings(Settings())
    for raw in raws:
        for outcome in pipeline.process(raw):
            outcomes += 1
            if hasattr(outcome, "event_id"):
                local["events"][outcome.event_id] = comparable(orjson.loads(to_json(outcome)))
            else:
                local["dead"].add((outcome.raw_id, outcome.reason))

    settings = isolated_settings(kafka_bootstrap)
    # One key: one partition of wire.raw, so the worker sees the items in the order `process` did.
    records = [(b"parity", orjson.dumps(raw.model_dump(mode="json"))) for raw in raws]
    # Every outcome, also those sharing an event id (the same file in two folders is one input
    # id): counting distinct ids would stop reading before the last outputs arrived.
    wanted = outcomes
    with worker_process(settings, tmp_path) as worker:
        asyncio.run(produce(settings, T.RAW, records))
        got = asyncio.run(
            consume_until(
                settings, [T.ENRICHED, T.DUPLICATES, T.DLQ], lambda g: sum(map(len, g.values())) >= wanted, worker=worker
            )
        )
    remote_events = {}
    for value in got[T.ENRICHED] + got[T.DUPLICATES]:
        event = orjson.loads(value)
        remote_events[event["event_id"]] = comparable(event)
    remote_dead = {(d["raw_id"], d["reason"]) for d in map(orjson.loads, got[T.DLQ])}

    assert remote_dead == local["dead"]
    assert remote_events.keys() == local["events"].keys()
    for event_id, event in local["events"].items():
        assert remote_events[event_id] == event, event["uri"]
