"""Cost of tagging: automatons are built once and nothing is rebuilt per item; speed is a benchmark."""

from __future__ import annotations

from pathlib import Path

from streams.tagging import Tagger

STORY = Path(__file__).parent / "fixtures" / "long_story.txt"


def test_long_story_is_tagged(tagger, item_factory):
    body = STORY.read_text(encoding="utf-8")
    assert 650 <= len(body.split()) <= 800
    item = item_factory(body, headline="Russia, Ukraine trade strikes as U.S. presses revised peace plan",
                        dateline="KYIV")
    tags = tagger.tag(item)
    assert {"RU", "UA", "US"} <= {t.code for t in tags.places}
    assert "russia-ukraine-war" in {t.code for t in tags.storylines}
    # Speed is measured by `wirestream bench --stage tag`, not by timed tests (docs/engineering.md).


def test_tag_bench_runs_over_the_corpus_mix():
    from streams.bench import run

    from streams.bench.tag import corpus

    report = run("tag", quick=True)
    assert report.summary["items_per_second"] > 0
    assert "corpus mix" in report.title and f"({len(corpus())} stories" in report.title


def test_nothing_is_rebuilt_per_item(tagger, item_factory, monkeypatch):
    import ahocorasick

    def forbidden(*args, **kwargs):
        raise AssertionError("an automaton was built during tag()")

    monkeypatch.setattr(ahocorasick, "Automaton", forbidden)
    tagger.tag(item_factory("Venezuela and the U.S. held talks."))


def test_load_builds_one_automaton():
    tagger = Tagger.load()
    assert len(tagger._lex.automaton) > 1000
