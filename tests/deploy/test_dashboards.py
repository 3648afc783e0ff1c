"""Grafana dashboards: the committed JSON is what the generator makes (and the K8s files it
generates too), and each dashboard is well-formed for provisioning."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_deploy", ROOT / "scripts" / "generate_deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_match_the_generator():
    generated = _generator().generated()
    assert len([p for p in generated if p.suffix == ".json"]) == 3
    stale = [str(p.relative_to(ROOT)) for p, text in generated.items() if not p.exists() or p.read_text() != text]
    assert not stale, f"regenerate with `make dashboards`: {stale}"
    assert {p.name for p in DASHBOARDS.glob("*.json")} == {p.name for p in generated if p.suffix == ".json"}


@pytest.mark.parametrize("name", ["overview", "stages", "news"])
def test_dashboard_is_well_formed(name):
    doc = json.loads((DASHBOARDS / f"{name}.json").read_text())
    assert doc["uid"] == f"wirestream-{name}" and doc["title"].startswith("wirestream / ")
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    cells = set()
    for panel in doc["panels"]:
        assert panel["title"] and panel["description"], panel
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and all(refs) and len(set(refs)) == len(refs), panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip()
            # Every metric a panel reads is ours (or Prometheus' up/process_*), named by convention.
            for metric in re.findall(r"\b(wirestream_[a-z0-9_]+)", target["expr"]):
                assert re.fullmatch(r"wirestream_[a-z0-9_]+", metric)
        pos = panel["gridPos"]
        assert 0 <= pos["x"] and pos["x"] + pos["w"] <= 24
        for dx in range(pos["w"]):  # panels do not overlap
            for dy in range(pos["h"]):
                cell = (pos["x"] + dx, pos["y"] + dy)
                assert cell not in cells, panel["title"]
                cells.add(cell)


def test_dashboards_cover_what_the_issue_asks():
    exprs = {p.stem: " ".join(t["expr"] for panel in json.loads(p.read_text())["panels"] for t in panel["targets"]) for p in DASHBOARDS.glob("*.json")}
    overview = exprs["overview"]
    for needle in ("wirestream_stage_items_in_total", "wirestream_consumer_lag_messages", "histogram_quantile(0.5",
                   "histogram_quantile(0.99", "wirestream_pipeline_latency_seconds_bucket", "wirestream_dead_letters_total",
                   "wirestream_dedup_decisions_total"):
        assert needle in overview, needle
    assert "wirestream_stage_duration_seconds_bucket" in exprs["stages"]
    for needle in ('kind="region"', 'kind="storyline"', "wirestream_news_age_seconds_bucket"):
        assert needle in exprs["news"], needle
