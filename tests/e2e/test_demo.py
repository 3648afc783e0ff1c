"""`wirestream demo --once --json` on the real broker: every bundled sample comes out."""

import os
import subprocess
import sys

import orjson
import pytest

from streams.demo import sample_files
from streams.kafka_clients import list_topics
from streams.models import EnrichedEvent
from streams.settings import Settings
from tests.support import assert_seed_event

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]


def test_demo_once_prints_every_sample_and_cleans_up(kafka_bootstrap):
    env = dict(os.environ, WIRE_KAFKA_BOOTSTRAP=kafka_bootstrap)
    result = subprocess.run(
        [sys.executable, "-m", "streams", "demo", "--once", "--json", "--timeout", "180"],
        env=env, capture_output=True, timeout=280,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    lines = [orjson.loads(l) for l in result.stdout.splitlines() if l.strip()]
    events = [EnrichedEvent.model_validate(l) for l in lines if "event_id" in l]
    dead = [l for l in lines if "reason" in l and "event_id" not in l]
    assert len({e.raw_id for e in events} | {d["raw_id"] for d in dead}) == len(sample_files())
    seeds = [e for e in events if "Cuban regime" in e.body_text and e.dedup.status.value == "new"]
    assert len(seeds) == 1
    assert_seed_event(seeds[0])
    # The second outlet's copy of the same story is recognised, not published as new.
    copies = [e for e in events if "Cuban regime" in e.body_text and e.dedup.status.value != "new"]
    assert copies and copies[0].dedup.duplicate_of == seeds[0].uri
    assert any(d["reason"] == "invalid_json" for d in dead)
    # The demo removed its own topics.
    import asyncio

    left = asyncio.run(list_topics(Settings(kafka_bootstrap=kafka_bootstrap)))
    assert not [t for t in left if t.startswith("demo-")]
