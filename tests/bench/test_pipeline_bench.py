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


def test_latency_headline_is_the_median_of_the_rounds_so_one_slow_round_does_not_decide_it():
    from streams.bench.pipeline import _latency_headline, _latency_summary

    hops = {"normalise": [10.0, 20.0], "dedup": [15.0], "tag": [12.0]}
    quick, slow, steady = (_latency_summary([float(v) for v in range(1, 1001)], hops, 0.6),
                           _latency_summary([float(v) * 30 for v in range(1, 1001)], hops, 0.9),
                           _latency_summary([float(v) * 2 for v in range(1, 1001)], hops, 0.7))
    headline = _latency_headline([quick, slow, steady])
    assert headline["p99"] == steady["p99"] < slow["p99"]
    assert headline["p50"] == steady["p50"] and headline["load"] == 0.7
    assert headline["max"] == slow["max"] == 30_000 and headline["items"] == 3000
    assert headline["hops"]["normalise"] == {"p50": 20.0, "p99": 20.0}


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
    # the fixed rate as a share of the same worker's measured throughput, in each round; the
    # headline is the median of the rounds' (one round here)
    assert len(report["rounds"]) == 1
    measured = report["rounds"][0]["latency_ms"]
    assert abs(measured["load"] - 200 / report["rounds"][0]["pipeline_items_per_s"]) < 0.01
    assert {k: latency[k] for k in ("p50", "p99", "p999", "load", "hops")} == \
        {k: measured[k] for k in ("p50", "p99", "p999", "load", "hops")}
    # Each hop's share, from the Kafka timestamps of one item's records: never more than the whole.
    assert set(latency["hops"]) == {"normalise", "dedup", "tag"}
    for hop in latency["hops"].values():
        assert 0 <= hop["p50"] <= hop["p99"]
        assert hop["p50"] <= latency["p50"] + 1 and hop["p99"] <= latency["p99"] + 1
    assert 0 < report["cpu_s_per_1000_items"] < 1000
    # the pipeline does strictly more work per item than its own no-op passthrough
    assert report["cpu_s_per_1000_items"] > report["faust_passthrough_cpu_s_per_1000_items"]
    assert report["outputs"] >= report["items"]


def test_rounds_are_sized_to_the_time_left_so_a_slow_machine_still_finishes_in_four_minutes():
    from streams.bench.pipeline import FULL, MIN_ITEMS, PASSTHROUGH_SHARE, _sized

    fast = _sized(FULL, rate=400.0, overhead_s=4.0, left_s=200.0)
    assert (fast.items, fast.warmup) == (FULL.items, FULL.warmup)  # room for the whole plan
    slow = _sized(FULL, rate=120.0, overhead_s=10.0, left_s=170.0)
    assert MIN_ITEMS <= slow.items < FULL.items and slow.warmup < FULL.warmup
    assert slow.rounds == FULL.rounds and slow.latency_s == FULL.latency_s
    # The estimate for the sized plan fits in the time left: each round's two worker runs, its
    # latency phase (longer when 200 items/s is more than the worker manages) and its items.
    latency_s = max(FULL.latency_s, 200 * FULL.latency_s / 120.0) + 1
    per_round = 2 * 10.0 + latency_s + (slow.items + slow.warmup) * (1 + PASSTHROUGH_SHARE) / 120.0
    assert per_round * FULL.rounds <= 170.0
    hopeless = _sized(FULL, rate=20.0, overhead_s=30.0, left_s=60.0)
    assert hopeless.items == MIN_ITEMS  # never fewer: a round's rate would be mostly its start and end
