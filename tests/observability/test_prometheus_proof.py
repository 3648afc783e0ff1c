"""Every dashboard panel query and every alert reads series a live worker really exports.

A real Prometheus (Debian's package, installed by `make setup`) scrapes a real worker on the
real broker every second while a few items flow (new, duplicate, dead letter); then each query
is evaluated through Prometheus' HTTP API.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from streams import topics as T
from tests.observability.promserver import alert_rules, dashboard_queries, prometheus_server, selectors
from tests.support import FIXTURES, SEED, consume_until, isolated_settings, produce, raw_envelope, worker_process

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]

CORPUS = FIXTURES / "corpus"


def _records() -> list[tuple[bytes, bytes]]:
    items = [
        raw_envelope(SEED.read_bytes(), source="outlet:a", filename=SEED.name),
        raw_envelope(SEED.read_bytes(), source="outlet:b", filename=SEED.name),  # a duplicate
        raw_envelope((CORPUS / "malformed" / "truncated-ninjs.json").read_bytes(), source="dir:bad", filename="t.json"),
    ]
    for sub in ("ninjs", "nitf", "newsml-g2", "newsml-1.2"):
        for path in sorted((CORPUS / sub).iterdir())[:2]:
            items.append(raw_envelope(path.read_bytes(), source=f"dir:{sub}", filename=path.name))
    return items


def _poll(prom, expr: str, until, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        answer = prom.query(expr)
        if answer.get("status") != "success":
            raise AssertionError(f"{expr!r} failed: {answer.get('errorType')}: {answer.get('error')}")
        if until(answer["data"]["result"]) or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_every_panel_query_and_alert_expression_returns_live_series(kafka_bootstrap, tmp_path):
    queries = dashboard_queries()
    alerts = alert_rules()
    assert len(queries) >= 30 and len(alerts) >= 6  # the files were found and read

    settings = isolated_settings(kafka_bootstrap)
    (tmp_path / "prom").mkdir()
    with worker_process(settings, tmp_path) as worker, prometheus_server(
        tmp_path / "prom", [f"127.0.0.1:{worker.metrics_port}"]
    ) as prom:
        up = _poll(prom, 'up{job="wirestream"} == 1', bool, timeout=60)
        assert up["data"]["result"], f"worker never scraped:\n{prom.log_tail()}\n{worker.log_tail()}"
        # Items flow in two rounds: the first creates the labelled series, the second moves them
        # after Prometheus has sampled them (rate() never counts a series' first sample).
        records = _records()
        asyncio.run(produce(settings, T.RAW, records))
        asyncio.run(consume_until(
            settings, [T.ENRICHED, T.DUPLICATES, T.DLQ],
            lambda g: g[T.ENRICHED] and g[T.DUPLICATES] and g[T.DLQ], worker=worker,
        ))
        _poll(prom, 'wirestream_stage_items_out_total{stage="tag"}', bool, timeout=30)
        again = [raw_envelope(r.read_bytes(), source="dir:again", filename=r.name) for r in (SEED, CORPUS / "malformed" / "truncated-ninjs.json")]
        asyncio.run(produce(settings, T.RAW, again))

        # Wait until every query has series (or 60 s), then judge them all at once.
        deadline = time.monotonic() + 60
        pending = {expr for _, _, expr in queries}
        for _, expr in alerts:
            pending.update(selectors(expr))
        while pending and time.monotonic() < deadline:
            pending = {e for e in pending if not _poll(prom, e, bool, timeout=0)["data"]["result"]}
            if pending:
                time.sleep(1)

        empty = [f"{name} / {title}: {expr}" for name, title, expr in queries if expr in pending]
        for alert, expr in alerts:
            # The alert's own expression must evaluate (it returns nothing while all is well)...
            _poll(prom, expr, lambda r: True, timeout=0)
            # ...and every series it reads must exist.
            assert selectors(expr), alert
            empty += [f"alert {alert}: {sel}" for sel in selectors(expr) if sel in pending]
        assert not empty, "queries without series:\n  " + "\n  ".join(empty) + "\n" + worker.log_tail()

        # Values that must have moved with the items just sent (not only exist).
        def value(expr: str) -> float:
            result = _poll(prom, expr, lambda r: r and float(r[0]["value"][1]) > 0, timeout=30)["data"]["result"]
            return float(result[0]["value"][1]) if result else 0.0

        assert value('sum(rate(wirestream_stage_items_in_total{stage="normalise"}[5m]))') > 0
        assert value('sum(wirestream_dedup_decisions_total{status="duplicate"})') >= 1
        assert value('sum(wirestream_dead_letters_total{stage="normalise"})') >= 1
        assert value('sum(wirestream_tags_total{kind="storyline", tag="venezuela-us-pressure"})') >= 1
        assert value('sum(wirestream_assigned_partitions{topic=~".*wire.raw"})') == settings.partitions

        # The alert rules loaded into this Prometheus evaluate without errors.
        rules = prom.api("rules")["data"]["groups"]
        bad = [(r["name"], r.get("lastError")) for g in rules for r in g["rules"] if r.get("health") not in ("ok", "unknown")]
        assert not bad, bad
        assert {r["name"] for g in rules for r in g["rules"]} == {a for a, _ in alerts}
