"""Metrics, probes, logs and the observer without Kafka (fast)."""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import logging
import logging.config
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from pydantic import SecretStr

from streams import metrics as M
from streams import observability as O
from streams.normalise import FORMATS
from streams.settings import Settings
from tests.observability.promserver import binary

ROOT = Path(__file__).resolve().parents[2]


def _fresh() -> M.Metrics:
    return M.Metrics(CollectorRegistry())


# --------------------------------------------------------------------------- labels


def test_source_label_is_the_kind_and_bounded():
    assert M.source_kind("dropfolder:reuters") == "dropfolder"
    assert M.source_kind("HTTP:client-42") == "http"
    assert M.source_kind(None) == "unknown"
    assert M.source_kind("<script>:x") == "other"
    limited = M.BoundedLabel(3)
    assert [limited(v) for v in ("a", "b", "c", "d", "a", "e")] == ["a", "b", "c", "other", "a", "other"]


def test_format_label_is_a_known_format_or_unknown():
    assert {M.format_label(f) for f in FORMATS} == set(FORMATS)
    assert M.format_label("g2") == "newsml-g2"  # an alias producers send as a hint
    assert M.format_label("pdf") == "unknown" and M.format_label(None) == "unknown"


# --------------------------------------------------------------------------- names


def _families(registry: CollectorRegistry):
    return list(registry.collect())


def test_every_metric_follows_the_naming_conventions_and_passes_promtool():
    metrics = _fresh()
    metrics.set_build_info()
    metrics.item_in("normalise", "dir:x", "ninjs")
    metrics.item_out("normalise", "dir:x", "ninjs")
    metrics.tags.labels("region", "m49:150").inc()
    metrics.stage_seconds.labels("dedup").observe(0.0004)
    now = datetime.now(UTC)
    metrics.observe_published("wire.enriched", now - timedelta(seconds=0.02), now - timedelta(hours=1), now)
    metrics.consumer_offsets.update([M.PartitionOffsets("p.wire.raw", 0, 5, 0, 9)], time.time())
    metrics.set_assignment({"p.wire.raw": 6})
    metrics.producer_sent("p.wire.normalised", 100)
    metrics.table_keys.labels("dedup").set(3)
    for family in _families(metrics.registry):
        assert family.name.startswith("wirestream_"), family.name
        if family.type == "counter":
            assert all(s.name.endswith("_total") for s in family.samples), family.name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
    exposition = generate_latest(metrics.registry)
    lint = subprocess.run([binary("promtool"), "check", "metrics"], input=exposition, capture_output=True, timeout=30)
    assert lint.returncode == 0, lint.stdout.decode() + lint.stderr.decode()


def test_stage_buckets_resolve_the_measured_range():
    # Stages cost 0.3-0.7 ms an item: at least five bucket bounds inside that range.
    assert sum(1 for b in M.STAGE_BUCKETS if 0.0003 <= b <= 0.0007) >= 5
    assert list(M.STAGE_BUCKETS) == sorted(M.STAGE_BUCKETS)


def test_readme_documents_every_metric_with_its_labels():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for line in section.splitlines():
        row = re.match(r"\|\s*`(wirestream_[a-z0-9_]+)`\s*\|\s*([^|]*)\|\s*([^|]*)\|", line)
        if row:
            documented[row.group(1)] = {lbl for lbl in re.findall(r"`([a-z_]+)`", row.group(3))}
    exported = {}
    for family in _families(_fresh().registry):
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {k for s in family.samples for k in s.labels if k != "le"}
        exported[name] = labels
    # Collector-made families only show labels with samples: read them from a filled one.
    collector = M.ConsumerOffsetsCollector()
    collector.update([M.PartitionOffsets("t", 0, 1, 0, 2)], 1.0)
    for family in collector.collect():
        exported[family.name] = {k for s in family.samples for k in s.labels}
    ingest = {n for n in exported if n.startswith("wirestream_ingest_")}  # documented by the ingest section
    missing = set(exported) - set(documented) - ingest
    assert not missing, f"README lacks: {sorted(missing)}"
    for name, labels in documented.items():
        assert name in exported, f"README documents {name}, which is not exported"
        if exported[name]:
            assert labels == exported[name], (name, labels, exported[name])


# --------------------------------------------------------------------------- lag


def test_lag_from_committed_or_log_start_and_stale_partitions_disappear():
    assert M.PartitionOffsets("t", 0, committed=7, log_start=0, highwater=10).lag == 3
    assert M.PartitionOffsets("t", 1, committed=None, log_start=4, highwater=10).lag == 6
    assert M.PartitionOffsets("t", 2, committed=12, log_start=0, highwater=10).lag == 0
    collector = M.ConsumerOffsetsCollector()
    collector.update([M.PartitionOffsets("t", 0, 7, 0, 10), M.PartitionOffsets("t", 1, None, 0, 2)], 1.0)
    collector.update([M.PartitionOffsets("t", 1, None, 0, 2)], 2.0)  # partition 0 moved away
    lag = next(f for f in collector.collect() if f.name == "wirestream_consumer_lag_messages")
    assert [(s.labels["partition"], s.value) for s in lag.samples] == [("1", 2)]


class _Offsets:
    def __init__(self, starts, ends):
        self.starts, self.ends = starts, ends

    async def beginning_offsets(self, tps):
        return {tp: self.starts[tp.partition] for tp in tps}

    async def end_offsets(self, tps):
        return {tp: self.ends[tp.partition] for tp in tps}


class _Admin:
    def __init__(self, committed):
        self.committed = committed
        self.asked = None

    async def list_consumer_group_offsets(self, group, partitions):
        from aiokafka.structs import OffsetAndMetadata

        self.asked = (group, sorted(p.partition for p in partitions))
        return {tp: OffsetAndMetadata(self.committed[tp.partition], "") for tp in partitions if tp.partition in self.committed}


def test_observer_collects_lag_for_assigned_input_partitions_only():
    metrics = _fresh()
    settings = Settings(app_id="grp", kafka_bootstrap="127.0.0.1:1")
    observer = O.WorkerObserver(settings, metrics, O.WorkerHealth(), ["p.wire.raw"])
    admin = _Admin({0: 5})
    assignment = [("p.wire.raw", 0), ("p.wire.raw", 3), ("grp-dedup-changelog", 0)]
    asyncio.run(observer.collect_offsets(_Offsets({0: 0, 3: 2}, {0: 9, 3: 4}), admin, assignment))
    assert admin.asked == ("grp", [0, 3])
    text = generate_latest(metrics.registry).decode()
    assert 'wirestream_consumer_lag_messages{partition="0",topic="p.wire.raw"} 4.0' in text
    assert 'wirestream_consumer_lag_messages{partition="3",topic="p.wire.raw"} 2.0' in text
    assert 'wirestream_consumer_committed_offset{partition="3",topic="p.wire.raw"} -1.0' in text
    assert "changelog" not in text.split("wirestream_consumer_lag_messages", 1)[1].split("# HELP", 1)[0]


def test_rebalance_hooks_drive_metrics_and_readiness():
    metrics, health = _fresh(), O.WorkerHealth()
    observer = O.WorkerObserver(Settings(), metrics, health, [])
    health.attach_loop(asyncio.new_event_loop())
    assert health.readiness() == (False, "waiting for a partition assignment")
    observer.rebalance_started()
    assert health.readiness()[0] is False and metrics.rebalancing._value.get() == 1
    observer.rebalance_ended([("a", 0), ("a", 1), ("b", 0)])
    assert health.readiness() == (True, "assigned")
    text = generate_latest(metrics.registry).decode()
    assert "wirestream_rebalances_total 1.0" in text and "wirestream_rebalance_duration_seconds_count 1.0" in text
    assert 'wirestream_assigned_partitions{topic="a"} 2.0' in text and "wirestream_worker_ready 1.0" in text
    observer.stopping()
    assert health.readiness() == (False, "shutting down")


# --------------------------------------------------------------------------- probes


def _get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as resp:
            body = resp.read()
            return resp.status, json.loads(body) if resp.headers["Content-Type"] == "application/json" else body.decode()
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_probes_report_a_blocked_event_loop_and_readiness(monkeypatch):
    monkeypatch.setattr(O, "LOOP_PROBE_SECONDS", 0.5)
    health = O.WorkerHealth()
    metrics = _fresh()
    port = O.serve_http("127.0.0.1", 0, registry=metrics.registry, health=health)
    base = f"http://127.0.0.1:{port}"
    assert _get(f"{base}/healthz") == (200, {"status": "ok", "reason": "starting"})

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        health.attach_loop(loop)
        assert _get(f"{base}/healthz") == (200, {"status": "ok", "reason": "event loop alive"})
        assert _get(f"{base}/readyz")[0] == 503
        health.assigned = True
        assert _get(f"{base}/readyz") == (200, {"status": "ok", "reason": "assigned"})
        loop.call_soon_threadsafe(time.sleep, 2.0)  # a blocking call inside the loop
        time.sleep(0.1)
        code, body = _get(f"{base}/healthz")
        assert code == 503 and "did not answer" in body["reason"]
        status, text = _get(f"{base}/metrics")
        assert status == 200 and "wirestream_build_info" in text
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    assert _get(f"{base}/healthz") == (503, {"status": "fail", "reason": "event loop closed"})


# --------------------------------------------------------------------------- logs


def _record(msg: str, *args, **extra) -> logging.LogRecord:
    record = logging.LogRecord("streams.agents", logging.WARNING, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_json_logs_carry_item_ids_and_never_secrets():
    settings = Settings(kafka_sasl_password=SecretStr("hunter2-secret"), ingest_token=SecretStr("tok-abc-123"))
    assert set(O.secret_values(settings)) == {"hunter2-secret", "tok-abc-123"}
    config = O.logging_config(settings, "json")
    formatter = config["formatters"]["wire"]["()"]()
    line = formatter.format(_record("login with %s failed", "hunter2-secret", raw_id="r-1", stage="normalise", offset=7, secret_obj=settings))
    entry = json.loads(line)
    assert entry["raw_id"] == "r-1" and entry["stage"] == "normalise" and entry["offset"] == 7
    assert entry["level"] == "warning" and entry["logger"] == "streams.agents"
    assert "hunter2" not in line and "***" in entry["message"]
    assert "secret_obj" not in entry  # only the listed id fields are copied

    text = O.logging_config(settings, "text")["formatters"]["wire"]
    plain = text["()"](fmt=text["fmt"]).format(_record("token tok-abc-123", uri="urn:x"))
    assert "tok-abc-123" not in plain and "uri=urn:x" in plain


def test_logging_config_is_accepted_by_dictconfig():
    config = O.logging_config(Settings(log_level="info"), "json")
    logging.config.dictConfig(config)
    try:
        assert logging.getLogger().level == logging.INFO
    finally:
        logging.basicConfig(force=True)


# --------------------------------------------------------------------------- producer retries


def test_retry_templates_are_still_what_aiokafka_logs():
    from aiokafka.producer import sender

    # Adjacent literals are one constant once parsed.
    strings = {n.value for n in ast.walk(ast.parse(inspect.getsource(sender))) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for template in O.RETRY_LOG_TEMPLATES:
        assert template in strings, template


def test_retries_are_counted_from_the_sender_logger():
    metrics = _fresh()
    O.count_producer_retries(metrics)
    sender = logging.getLogger(O.SENDER_LOGGER)
    try:
        sender.warning(O.RETRY_LOG_TEMPLATES[1], "t-0", "NotLeaderForPartitionError")
        sender.warning("something else %s", 1)
        counter = next(f for f in metrics.registry.collect() if f.name == "wirestream_producer_retries")
        assert counter.samples[0].value == 1
    finally:
        sender.filters.clear()


def test_describe_tasks_names_where_each_task_waits_innermost_last():
    """What a stuck worker logs before it stops: each task's async call chain, on every loop."""

    async def waits_for(event: asyncio.Event) -> None:
        await event.wait()

    async def holds(event: asyncio.Event) -> None:
        await waits_for(event)

    async def main() -> str:
        event = asyncio.Event()
        task = asyncio.create_task(holds(event), name="stuck-commit")
        await asyncio.sleep(0)
        try:
            return O.describe_tasks({"main": asyncio.get_running_loop(), "gone": None})
        finally:
            event.set()
            await task

    text = asyncio.run(main())
    block = text[text.index("[main] stuck-commit:"):].splitlines()
    calls = [line.rsplit(" in ", 1)[-1] for line in block[1:4]]
    assert calls == ["holds", "waits_for", "wait"]
    assert "[gone]" not in text


def test_producer_sends_count_messages_and_bytes_per_topic():
    metrics = _fresh()
    for topic, nbytes in (("p.wire.normalised", 100), ("p.wire.normalised", 50), ("p.wire.enriched", 7)):
        metrics.producer_sent(topic, nbytes)
    registry = metrics.registry
    assert registry.get_sample_value("wirestream_producer_sent_messages_total", {"topic": "p.wire.normalised"}) == 2
    assert registry.get_sample_value("wirestream_producer_sent_bytes_total", {"topic": "p.wire.normalised"}) == 150
    assert registry.get_sample_value("wirestream_producer_sent_messages_total", {"topic": "p.wire.enriched"}) == 1
    assert registry.get_sample_value("wirestream_producer_sent_bytes_total", {"topic": "p.wire.enriched"}) == 7
