"""A live worker on the real broker: its /metrics, probes, JSON logs, secrets and graceful stop."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from streams import topics as T
from streams.models import DeadLetter, EnrichedEvent, RawItem
from tests.observability.promserver import binary
from tests.support import FIXTURES, SEED, consume_until, isolated_settings, loads, produce, raw_envelope, worker_process

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]

SECRET = "s3cr3t-Pa55w0rd-never-shown"
TOKEN = "ingest-token-never-shown"


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _wait_for(predicate, timeout: float, worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.proc.poll() is not None:
            raise AssertionError(f"worker died ({worker.proc.returncode}) waiting for {what}:\n{worker.log_tail()}")
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n{worker.log_tail()}")


def _metric(port: int, name: str, **labels: str) -> float:
    _, body = _get(port, "/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_probes_json_logs_and_no_secrets(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    env = {
        "WIRE_LOG_FORMAT": "json",
        "WIRE_LOG_LEVEL": "debug",  # the chattiest setting: every library's debug lines too
        "WIRE_KAFKA_SASL_USERNAME": "wire",
        "WIRE_KAFKA_SASL_PASSWORD": SECRET,
        "WIRE_INGEST_TOKEN": TOKEN,
    }
    bad = raw_envelope((FIXTURES / "corpus" / "malformed" / "truncated-ninjs.json").read_bytes(), source="dir:bad")
    bad_id = RawItem.model_validate(loads(bad[1])).id
    seed = raw_envelope(SEED.read_bytes(), source="outlet:a", filename=SEED.name)
    with worker_process(settings, tmp_path, extra_env=env) as worker:
        port = worker.metrics_port
        # Liveness answers from the start; readiness once the group assigned partitions.
        _wait_for(lambda: _get(port, "/healthz")[0] == 200, 60, worker, "/healthz")
        _wait_for(lambda: _get(port, "/readyz")[0] == 200, 90, worker, "/readyz")
        status, body = _get(port, "/readyz")
        assert json.loads(body) == {"status": "ok", "reason": "assigned"}
        assert _get(port, "/nope")[0] == 404

        asyncio.run(produce(settings, T.RAW, [bad, seed]))
        asyncio.run(consume_until(settings, [T.ENRICHED, T.DLQ], lambda g: g[T.ENRICHED] and g[T.DLQ], worker=worker))
        _wait_for(lambda: _metric(port, "wirestream_stage_items_out_total", stage="tag") >= 1, 30, worker, "metrics")
        # Lag is collected every few seconds from the broker: the two records arrived and,
        # once committed, nothing waits.
        raw = settings.topic(T.RAW)
        _wait_for(
            lambda: _metric(port, "wirestream_consumer_highwater_offset", topic=raw) == 2
            and _metric(port, "wirestream_consumer_lag_messages", topic=raw) == 0,
            30, worker, "lag collection",
        )
        _, scrape = _get(port, "/metrics")

    # promtool lints the live exposition (names, units, _total, help).
    lint = subprocess.run([binary("promtool"), "check", "metrics"], input=scrape, capture_output=True, timeout=30)
    assert lint.returncode == 0, lint.stdout.decode() + lint.stderr.decode()
    text = scrape.decode()
    for name in (
        "wirestream_stage_items_in_total", "wirestream_stage_items_out_total", "wirestream_dead_letters_total",
        "wirestream_dedup_decisions_total", "wirestream_tags_total", "wirestream_stage_duration_seconds_bucket",
        "wirestream_pipeline_latency_seconds_bucket", "wirestream_news_age_seconds_bucket",
        "wirestream_consumer_lag_messages", "wirestream_producer_sent_messages_total",
        "wirestream_producer_send_errors_total", "wirestream_producer_retries_total", "wirestream_rebalances_total",
        "wirestream_table_keys", "wirestream_build_info", "wirestream_worker_ready",
    ):
        assert f"\n{name}" in text, name
    assert 'wirestream_stage_items_in_total{format="unknown",source="dir",stage="normalise"}' in text
    assert 'wirestream_tags_total{kind="storyline",tag="venezuela-us-pressure"}' in text
    assert 'source="outlet"' in text  # the source kind, never the full source name

    log = worker.log.read_text(errors="replace")
    for secret in (SECRET, TOKEN):
        assert secret not in log and secret not in text
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert len(records) > 20
    assert all({"ts", "level", "logger", "message"} <= set(r) for r in records)
    # The worker warmed its stages on the shipped samples and froze what they loaded out of GC.
    warmed = [r for r in records if r["logger"] == "streams.warmup"]
    assert warmed and "stages warmed on" in warmed[0]["message"], warmed
    dead = [r for r in records if r.get("raw_id") == bad_id and r["logger"] == "streams.agents"]
    assert dead and dead[0]["stage"] == "normalise" and dead[0]["reason"] and dead[0]["topic"] == settings.topic(T.RAW)


def test_sigterm_while_items_flow_exits_0_quickly_and_loses_nothing(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    corpus = [p for sub in ("ninjs", "newsml-g2", "nitf", "text") for p in sorted((FIXTURES / "corpus" / sub).iterdir())]
    records = [raw_envelope(corpus[i % len(corpus)].read_bytes(), source="dir:flow", filename=corpus[i % len(corpus)].name) for i in range(400)]
    ids = {RawItem.model_validate(loads(v)).id for _, v in records}

    with worker_process(settings, tmp_path) as first:
        port = first.metrics_port
        _wait_for(lambda: _get(port, "/readyz")[0] == 200, 90, first, "/readyz")
        producer = threading.Thread(target=lambda: asyncio.run(produce(settings, T.RAW, records)))
        producer.start()
        _wait_for(lambda: _metric(port, "wirestream_stage_items_in_total", stage="normalise") >= 40, 60, first, "items flowing")
        started = time.monotonic()
        first.proc.send_signal(signal.SIGTERM)
        code = first.proc.wait(60)
        elapsed = time.monotonic() - started
        producer.join(60)
        log = first.log_tail(60)
    assert code == 0, log
    assert elapsed < 20, f"stop took {elapsed:.1f}s\n{log}"
    assert "graceful stop" in first.log.read_text()

    # A second worker of the same group finishes the rest: every id comes out somewhere.
    seen: set[str] = set()

    def done(got):
        seen.clear()
        for topic in (T.ENRICHED, T.DUPLICATES):
            seen.update(EnrichedEvent.model_validate(loads(v)).raw_id for v in got[topic])
        seen.update(DeadLetter.model_validate(loads(v)).raw_id for v in got[T.DLQ])
        return ids <= seen

    with worker_process(settings, tmp_path) as second:
        try:
            asyncio.run(consume_until(settings, [T.ENRICHED, T.DUPLICATES, T.DLQ], done, timeout=150, worker=second))
        except AssertionError as exc:
            missing = sorted(ids - seen)
            raise AssertionError(f"{len(missing)} of {len(ids)} ids never came out, e.g. {missing[:5]}\n{str(exc)[-3000:]}") from None
