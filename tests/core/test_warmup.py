"""A worker's start: the stages are warmed on the shipped samples and long-lived objects leave GC."""

from __future__ import annotations

import gc

import pytest

from streams.normalise import language
from streams.pipeline import build_tagger
from streams.samples import shipped
from streams.settings import Settings
from streams.warmup import freeze_long_lived, warm_stages


@pytest.fixture
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


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


def test_freeze_takes_live_objects_out_of_collections(restore_gc):
    kept = [[n] for n in range(1000)]  # long-lived containers, as the gazetteers are
    assert all(gc.is_tracked(k) for k in kept)
    frozen = freeze_long_lived()
    assert frozen >= len(kept) and gc.get_freeze_count() == frozen
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(d) in tracked for d in kept)  # full collections no longer walk them
    fresh = [[1]]
    assert gc.is_tracked(fresh) and id(fresh) in {id(o) for o in gc.get_objects()}
