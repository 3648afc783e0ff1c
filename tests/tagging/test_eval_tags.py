"""`wirestream eval tags`: the labelled set, the scoring and the figures on the held-out split."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from streams.cli import main
from streams.evaluation.tags import AIMS, SETS, Scores, data_path, evaluate, load_items, with_ancestors


@pytest.fixture(scope="module")
def result(tagger):
    return evaluate(tagger)


def test_labelled_set_is_real_split_and_valid(tagger):
    items = load_items()
    assert len(items) >= 380
    assert len({i["id"] for i in items}) == len(items)
    assert {i["split"] for i in items} == {"dev", "test"}
    assert sum(i["split"] == "test" for i in items) >= 160
    # The stories added later (SOURCES.md, "Extension") are split by a hash of their id alone.
    for i in items:
        if i.get("added"):
            even = int(hashlib.sha1(i["id"].encode()).hexdigest(), 16) % 2 == 0
            assert i["split"] == ("dev" if even else "test"), i["id"]
    vocab = tagger.vocabulary
    for i in items:
        assert i["body"].strip() and i["headline"].strip()
        assert set(i["places"]) <= vocab.countries, i["id"]
        assert i["topics"] and set(i["topics"]) <= vocab.topics, i["id"]
    # Across regions: stories about at least 50 countries.
    assert len({p for i in items for p in i["places"]}) >= 50


def test_scores_arithmetic():
    s = Scores()
    s.add({"A", "B"}, {"A", "C"})
    s.add({"A"}, {"A"})
    assert s.micro() == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    p, r, f = s.macro()  # A: 1/1/1, B: 0/0/0, C: 0/0/0
    assert (p, r, f) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert with_ancestors({"c"}, {"c": "b", "b": "a", "a": None}) == {"a", "b", "c"}


def test_held_out_figures_do_not_regress(result):
    # Floors a little under the figures measured on the 385-story set after the company
    # gazetteer, legal-form and hub-city changes (held out: places 0.917, topics 0.770); a change
    # to the tagger's data or rules that loses ground on unseen stories fails here.
    test = result["test"]
    assert test["places"].micro()[2] >= 0.91
    assert test["topics"].micro()[2] >= 0.76


def test_held_out_split_meets_the_topic_aim(result):
    assert result["test"]["topics"].micro()[2] >= AIMS["topics"]


def test_held_out_split_meets_the_place_aim(result):
    assert result["test"]["places"].micro()[2] >= AIMS["places"]


def test_cli_prints_micro_and_macro_for_both_splits():
    out = CliRunner().invoke(main, ["eval", "tags", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["rows"]
    assert {(r["split"], r["field"]) for r in rows} >= {("dev", "places"), ("test", "topics")}
    for r in rows:
        assert 0 <= r["micro_f1"] <= 1 and 0 <= r["macro_f1"] <= 1
    table = CliRunner().invoke(main, ["eval", "tags"])
    assert "micro F1" in table.output and "macro F1" in table.output


# ---------------------------------------------------------------- the current-news set

@pytest.fixture(scope="module")
def current(tagger):
    return evaluate(tagger, load_items(data_path("current_wire_2025.json")))


def test_current_news_set_loads_split_and_valid(tagger):
    items = load_items(data_path("current_wire_2025.json"))
    assert len(items) >= 60
    assert len({i["id"] for i in items}) == len(items)
    vocab = tagger.vocabulary
    for i in items:
        even = int(hashlib.sha1(i["id"].encode()).hexdigest(), 16) % 2 == 0
        assert i["split"] == ("dev" if even else "test"), i["id"]
        assert i["body"].strip() and i["headline"].strip() and i["dateline_place"]
        assert i["places"] and set(i["places"]) <= vocab.countries, i["id"]
        assert i["primary"] and set(i["primary"]) <= set(i["places"]), i["id"]
        assert i["topics"] and set(i["topics"]) <= vocab.topics, i["id"]
    assert sum(i["split"] == "test" for i in items) >= 30
    # Spread over the world: stories about at least 50 countries.
    assert len({p for i in items for p in i["places"]}) >= 50


def test_current_news_set_is_scored_with_primary_places(current):
    # Floors under what the tagger scored when the set was added (held out: places 0.94, topics
    # 0.68, primary places 0.87 before any tuning on the set's dev half): a change that loses
    # much ground on current news fails here.
    for split in ("dev", "test"):
        assert current[split]["places"].items >= 30
        assert current[split]["places"].micro()[2] >= 0.88
        assert current[split]["topics"].micro()[2] >= 0.62
        assert current[split]["primary"].micro()[2] >= 0.8


def test_cli_reports_every_shipped_set():
    out = CliRunner().invoke(main, ["eval", "tags", "--json"])
    assert out.exit_code == 0, out.output
    sets = {s["set"]: s["rows"] for s in json.loads(out.output)["sets"]}
    assert set(sets) == set(SETS)
    assert {(r["split"], r["field"]) for r in sets["current_wire_2025.json"]} >= {
        ("dev", "places"), ("test", "topics"), ("test", "primary")}
    # The Reuters set has no primary labels, so no primary rows.
    assert all(r["field"] != "primary" for r in sets["reuters21578.json"])
    table = CliRunner().invoke(main, ["eval", "tags"])
    assert "reuters21578.json" in table.output and "current_wire_2025.json" in table.output
