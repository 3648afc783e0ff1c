"""Routing on the real broker: the seed reaches wire.enriched and its storyline and region topics."""

import asyncio
import os
import subprocess
import sys

import pytest

from streams import topics as T
from streams.kafka_clients import ensure_topics, list_topics
from streams.models import EnrichedEvent, RawItem
from streams.routing import route_topic_specs
from tests.support import SEED, consume_until, isolated_settings, loads, produce, raw_envelope, worker_process

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(240)]

STORYLINE = "wire.storyline.venezuela-us-pressure"
LATAM = "wire.region.latin-america"
AFRICA = "wire.region.africa"


def test_seed_is_routed_to_its_storyline_and_region_topics(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    key, value = raw_envelope(SEED.read_bytes(), source="outlet", filename=SEED.name)
    seed_id = RawItem.model_validate(loads(value)).id

    with worker_process(settings, tmp_path) as worker:
        # Every routed topic of the shipped routes file was created on start.
        existing = asyncio.run(list_topics(settings))
        assert {settings.topic(s.name) for s in route_topic_specs()} <= existing
        asyncio.run(produce(settings, T.RAW, [(key, value)]))

        def done(got):
            return all(got[t] for t in (T.ENRICHED, STORYLINE, LATAM))

        got = asyncio.run(consume_until(settings, [T.ENRICHED, STORYLINE, LATAM, AFRICA], done, worker=worker))

    for topic in (T.ENRICHED, STORYLINE, LATAM):
        events = [EnrichedEvent.model_validate(loads(v)) for v in got[topic]]
        assert [e.raw_id for e in events] == [seed_id], topic
        assert "venezuela-us-pressure" in {t.code for t in events[0].tags.storylines}
    # The same event, byte for byte, on every topic it is routed to.
    assert got[T.ENRICHED] == got[STORYLINE] == got[LATAM]
    assert got[AFRICA] == []


def test_worker_refuses_a_bad_routes_file_naming_the_line(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    routes = tmp_path / "routes.yaml"
    routes.write_text("routes:\n  - topic: wire.x\n    storylines: [no-such-story]\n", encoding="utf-8")
    asyncio.run(ensure_topics(settings))
    env = {
        "WIRE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "WIRE_TOPIC_PREFIX": settings.topic_prefix,
        "WIRE_APP_ID": settings.app_id,
        "WIRE_DATA_DIR": str(tmp_path / "data"),
        "WIRE_METRICS_PORT": "0",
        "WIRE_ROUTES": str(routes),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "streams", "worker", "--no-create-topics"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    assert f"{routes}, line 3" in proc.stderr and "unknown storyline 'no-such-story'" in proc.stderr


def test_ensure_topics_creates_the_routes_of_wire_routes(kafka_bootstrap, tmp_path):
    routes = tmp_path / "routes.yaml"
    routes.write_text("routes:\n  - topic: desk.cuba\n    places: [CU]\n    retention_days: 3\n", encoding="utf-8")
    settings = isolated_settings(kafka_bootstrap, routes=routes)
    created = asyncio.run(ensure_topics(settings))
    assert settings.topic("desk.cuba") in created
    assert settings.topic(STORYLINE) not in created  # WIRE_ROUTES replaces the shipped routes
