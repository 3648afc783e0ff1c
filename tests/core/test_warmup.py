"""A worker's start: the stages are warmed on the shipped samples before it consumes."""

from __future__ import annotations

from streams.normalise import language
from streams.pipeline import build_tagger
from streams.samples import shipped
from streams.settings import Settings
from streams.warmup import warm_stages


def test_shipped_samples_come_with_the_package():
    names = [name for name, _ in shipped()]
    assert names == sorted(names) and len(names) >= 10
    assert any(name.endswith(".json") for name in names) and any(name.endswith(".xml") for name in names)


def test_warm_stages_runs_every_stage_on_the_samples():
    settings = Settings()
    tagger = build_tagger(settings)
    calls = []
    original = tagger.tag
    tagger.tag = lambda item: calls.append(item.uri) or original(item)  # type: ignore[method-assign]
    items = warm_stages(tagger, settings)
    assert items >= 5  # enriched events: normalised, decided and tagged
    assert len(calls) >= 5  # the tagger ran (duplicates among the samples skip it)
    assert language.detect("The central bank raised its main interest rate on Tuesday, officials said.")[0] == "en"
