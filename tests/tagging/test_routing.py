"""Routing: the pure choice of topics for an enriched event, and the routes file's validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams import topics as T
from streams.models import DedupInfo, DedupStatus, EnrichedEvent, Tag, Tags
from streams.routing import DEFAULT_ROUTES, RouteError, Router, all_topic_specs, build_router, load_routes, route_topic_specs
from streams.topics import DAY_MS


def _event(tags: Tags, status: DedupStatus = DedupStatus.new) -> EnrichedEvent:
    return EnrichedEvent(
        uri="urn:test:1", raw_id="r1", format="text", headline="h", body_text="b",
        received_at=datetime(2025, 12, 5, tzinfo=UTC), event_id="e1",
        dedup=DedupInfo(status=status, cluster_id="c1"), tags=tags,
        processed_at=datetime(2025, 12, 5, tzinfo=UTC),
    )


def _seed_event(tagger, seed_item) -> EnrichedEvent:
    return _event(tagger.tag(seed_item))


@pytest.fixture(scope="module")
def router(tagger) -> Router:
    return build_router(None, tagger)


def _write(tmp_path, text: str):
    path = tmp_path / "routes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_goes_to_enriched_its_storyline_and_its_regions(router, tagger, seed_item):
    topics = router.route(_seed_event(tagger, seed_item))
    assert topics[0] == T.ENRICHED
    assert "wire.storyline.venezuela-us-pressure" in topics
    assert "wire.region.latin-america" in topics
    assert "wire.region.northern-america" in topics
    assert "wire.storyline.russia-ukraine-war" not in topics and "wire.region.africa" not in topics
    assert len(topics) == len(set(topics))


def test_duplicates_go_only_to_the_duplicates_topic(router, tagger, seed_item):
    dup = _seed_event(tagger, seed_item).model_copy(
        update={"dedup": DedupInfo(status=DedupStatus.near_duplicate, cluster_id="c1", duplicate_of="urn:x")}
    )
    assert router.route(dup) == [T.DUPLICATES]


def test_untagged_event_goes_only_to_enriched(router):
    assert router.route(_event(Tags())) == [T.ENRICHED]


def test_primary_and_min_score_options(tmp_path, tagger):
    path = _write(tmp_path, """
routes:
  - topic: desk.cuba-subject
    places: [CU]
    primary: true
  - topic: desk.cuba-any
    places: [cu]
  - topic: desk.cuba-strong
    places: [CU]
    min_score: 0.9
""")
    router = build_router(path, tagger)
    weak = Tags(places=[Tag(code="VE", name="Venezuela", score=0.95, primary=True),
                        Tag(code="CU", name="Cuba", score=0.5, primary=False)])
    assert router.route(_event(weak)) == [T.ENRICHED, "desk.cuba-any"]
    strong = Tags(places=[Tag(code="CU", name="Cuba", score=0.95, primary=True)])
    assert router.route(_event(strong)) == [T.ENRICHED, "desk.cuba-subject", "desk.cuba-any", "desk.cuba-strong"]


def test_region_spellings_and_topics(tmp_path, tagger):
    path = _write(tmp_path, """
routes:
  - topic: a
    regions: ["419"]
  - topic: b
    regions: [latam-desk]
  - topic: c
    topics: ["20000642"]
""")
    router = build_router(path, tagger)
    event = _event(Tags(regions=[Tag(code="m49:419", name="LatAm")],
                        topics=[Tag(code="medtop:20000642", name="economic sanction")]))
    assert router.route(event) == [T.ENRICHED, "a", "c"]


def test_shipped_routes_topics_and_retention():
    specs = route_topic_specs()
    names = {s.name for s in specs}
    assert {"wire.storyline.venezuela-us-pressure", "wire.region.latin-america"} <= names
    assert all(s.message is EnrichedEvent and s.retention_ms >= DAY_MS for s in specs)
    assert [s.name for s in all_topic_specs()][: len(T.TOPICS)] == [s.name for s in T.TOPICS]
    assert load_routes(DEFAULT_ROUTES).routes  # the shipped file is valid as a whole


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("routes:\n  - topic: wire.x\n    storylines: [no-such-story]\n", 3, "unknown storyline"),
        ("routes:\n  - topic: wire.x\n    regions: [atlantis]\n", 3, "unknown region"),
        ("routes:\n  - topic: wire.x\n    places: [XX]\n", 3, "unknown country"),
        ("routes:\n  - topic: wire.x\n    topics: [medtop:99999999]\n", 3, "unknown topic"),
        ("routes:\n  - topic: 'bad name!'\n    places: [VE]\n", 2, "bad topic name"),
        ("routes:\n  - topic: wire.enriched\n    places: [VE]\n", 2, "pipeline topic"),
        ("routes:\n  - topic: wire.x\n    places: [VE]\n  - topic: wire.x\n    places: [CU]\n", 4, "routed twice"),
        ("routes:\n  - topic: wire.x\n", 2, "at least one of"),
        ("routes:\n  - topic: wire.x\n    places: []\n", 2, "empty places"),
        ("routes:\n  - topic: wire.x\n    places: [VE]\n    colour: red\n", 4, "unknown key 'colour'"),
        ("routes:\n  - places: [VE]\n", 2, "missing required key 'topic'"),
        ("routes:\n  - topic: wire.x\n    retention_days: 0\n    places: [VE]\n", 3, "retention_days"),
        ("routes:\n  - topic: wire.x\n    places: [VE\n", 4, "invalid YAML"),
        ("- just a list\n", 1, "mapping"),
    ],
)
def test_bad_routes_files_name_the_line(tmp_path, tagger, text, line, words):
    path = _write(tmp_path, text)
    with pytest.raises(RouteError) as err:
        build_router(path, tagger)
    assert err.value.line == line, str(err.value)
    assert words in str(err.value)
    assert str(path) in str(err.value) and f"line {line}" in str(err.value)


def test_missing_routes_file_is_a_clear_error(tmp_path, tagger):
    with pytest.raises(RouteError, match="cannot read"):
        build_router(tmp_path / "nope.yaml", tagger)


def test_empty_routes_file_routes_nothing_more(tmp_path, tagger, seed_item):
    router = build_router(_write(tmp_path, "# nothing\n"), tagger)
    assert router.topics == []
    assert router.route(_seed_event(tagger, seed_item)) == [T.ENRICHED]
