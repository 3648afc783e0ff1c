"""`wirestream bench --quick --json` on the real broker: one JSON object with the issue's keys and
sane values (a smoke run: figures are asserted for shape and consistency, never for speed)."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

from streams.bench import BENCHMARKS
from streams.bench.passthrough import STAGES
from streams.bench.pipeline import corpus, expected_outputs
from streams.models import RawItem

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(300)]


def test_pipeline_is_the_default_benchmark_and_its_corpus_mixes_samples_and_distinct_stories():
    assert "pipeline" in BENCHMARKS
    raws = corpus(40)
    assert len({r.id for r in raws}) == 40
    assert sum(r.source == "bench" and "synthetic" not in r.id for r in raws) >= 1
    count, cpu = expected_outputs(raws)
    assert count >= len(raws) and cpu > 0  # every input gives at least one output (RSS: one per entry)


def test_passthrough_stages_keep_every_item_and_do_no_stage_work():
    normalise, dedup, tag = STAGES
    raw = RawItem.from_bytes(b"not even a wire format", source="t", id="r1")
    [item] = normalise(raw)
    event = tag(None, dedup(None, item, delivery="0:1"))
    assert event.raw_id == "r1" and event.body_text == "not even a wire format"
    assert event.dedup.status.value == "new" and not event.tags.places


def test_quick_bench_prints_one_json_object_with_the_issues_keys(kafka_bootstrap):
    env = dict(os.environ, WIRE_KAFKA_BOOTSTRAP=kafka_bootstrap)
    done = subprocess.run(
        [sys.executable, "-m", "streams", "bench", "--quick", "--json"],
        env=env, capture_output=True, timeout=280, check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    lines = [line for line in done.stdout.decode().splitlines() if line.strip()]
    assert len(lines) == 1
    report = orjson.loads(lines[0])
    for key in ("pipeline_items_per_s", "faust_passthrough_items_per_s", "aiokafka_passthrough_items_per_s"):
        assert 0 < report[key] < 1_000_000, (key, report[key])
    latency = report["latency_ms"]
    assert 0 < latency["p50"] <= latency["p99"] <= latency["p999"] < 60_000
    assert latency["items"] == 2 * 200  # every item sent at the fixed rate came out on wire.enriched
    # the fixed rate as a share of the same worker's measured throughput
    assert abs(latency["load"] - 200 / report["rounds"][0]["pipeline_items_per_s"]) < 0.01
    # Each hop's share, from the Kafka timestamps of one item's records: never more than the whole.
    assert set(latency["hops"]) == {"normalise", "dedup", "tag"}
    for hop in latency["hops"].values():
        assert 0 <= hop["p50"] <= hop["p99"]
        assert hop["p50"] <= latency["p50"] + 1 and hop["p99"] <= latency["p99"] + 1
    assert 0 < report["cpu_s_per_1000_items"] < 1000
    # the pipeline does strictly more work per item than its own no-op passthrough
    assert report["cpu_s_per_1000_items"] > report["faust_passthrough_cpu_s_per_1000_items"]
    assert report["outputs"] >= report["items"]
