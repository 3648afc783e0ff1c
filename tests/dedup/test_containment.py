"""Trimmed copies and versions with paragraphs added on top: matched by how much of the smaller
text the larger one holds (containment), found through the recent stories of the same agency and
dateline place when LSH does not offer them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from streams.dedup import Deduplicator
from streams.dedup._minhash import containment
from streams.evaluation.dedup import load_set
from streams.models import DedupStatus


@pytest.fixture(scope="module")
def stories() -> list[dict]:
    data = load_set()
    # prose, not tables: eight paragraphs or more of ten words or more
    return [s for s in data["stories"].values() if len(s["paragraphs"]) >= 8 and min(len(p.split()) for p in s["paragraphs"]) >= 10][:12]


def _item(make_item, uri, story, paragraphs=None, *, headline=None, agency="Reuters", place="NEW YORK", **fields):
    body = "\n\n".join(story["paragraphs"] if paragraphs is None else paragraphs)
    return make_item(uri, headline or story["headline"], body, agency=agency, dateline={"place": place}, **fields)


def test_containment_formula():
    # |A| = 100 inside |B| = 125: J = 100 / 125 = 0.8, all of A is in B
    assert containment(0.8, 100, 125) == pytest.approx(1.0)
    assert containment(0.8, 125, 100) == pytest.approx(0.8)
    assert containment(0.0, 100, 125) == 0.0
    assert containment(0.5, 0, 10) == 0.0


def test_copy_trimmed_by_a_quarter_is_a_near_duplicate(make_item, stories, clock):
    dedup = Deduplicator({}, clock=clock)
    story = stories[0]
    first = dedup.decide(_item(make_item, "urn:a", story))
    keep = len(story["paragraphs"]) * 3 // 4
    info = dedup.decide(_item(make_item, "urn:outlet", story, story["paragraphs"][:keep], headline="Another headline"))
    assert info.status == DedupStatus.near_duplicate
    assert info.cluster_id == first.cluster_id and info.duplicate_of == "urn:a"


def test_other_agency_or_half_the_story_is_not_a_copy(make_item, stories, clock):
    dedup = Deduplicator({}, clock=clock)
    story = stories[1]
    dedup.decide(_item(make_item, "urn:a", story))
    third = story["paragraphs"][: max(1, len(story["paragraphs"]) // 3)]
    assert dedup.decide(_item(make_item, "urn:short", story, third, headline="x")).status == DedupStatus.new
    keep = story["paragraphs"][: len(story["paragraphs"]) * 3 // 4]
    other = _item(make_item, "urn:afp", story, keep, headline="y", agency="AFP")
    assert dedup.decide(other).status == DedupStatus.new  # only LSH at the full threshold across agencies


def test_update_with_paragraphs_on_top_joins_the_story(make_item, stories, clock):
    dedup = Deduplicator({}, clock=clock)
    story, extra = stories[3], stories[4]  # Jaccard of the two versions 0.68
    first = dedup.decide(_item(make_item, "urn:v1", story))
    clock.advance(timedelta(hours=1))
    top = extra["paragraphs"][:4]  # new paragraphs on top, then the whole earlier story
    update = _item(make_item, "urn:v2", story, [*top, *story["paragraphs"]], signals=["update"])
    info = dedup.decide(update)
    assert info.status == DedupStatus.update
    assert info.cluster_id == first.cluster_id and info.replaces == "urn:v1"
    # without the signal, the same text is a story of its own
    fresh = Deduplicator({}, clock=clock)
    fresh.decide(_item(make_item, "urn:v1", story))
    assert fresh.decide(_item(make_item, "urn:v2", story, [*top, *story["paragraphs"]])).status == DedupStatus.new


def test_neighbours_are_rebuilt_and_expire(make_item, stories, clock, strict_store):
    story = stories[4]
    keep = story["paragraphs"][: len(story["paragraphs"]) * 3 // 4]
    Deduplicator(strict_store, clock=clock).decide(_item(make_item, "urn:a", story))
    again = Deduplicator(strict_store, clock=clock)  # index rebuilt from the store
    assert again.decide(_item(make_item, "urn:b", story, keep, headline="z")).status == DedupStatus.near_duplicate
    clock.advance(timedelta(days=8))
    again.expire()
    assert again._index().near == {}


def test_records_without_sizes_never_match_by_containment(make_item, stories, clock, strict_store):
    story = stories[5]
    Deduplicator(strict_store, clock=clock).decide(_item(make_item, "urn:a", story))
    for key, value in list(strict_store.data.items()):
        if key.startswith("s:"):
            strict_store.data[key] = {k: v for k, v in value.items() if k != "n"}  # an older record
    keep = story["paragraphs"][: len(story["paragraphs"]) * 3 // 4]
    info = Deduplicator(strict_store, clock=clock).decide(_item(make_item, "urn:b", story, keep, headline="z"))
    assert info.status in (DedupStatus.new, DedupStatus.near_duplicate)  # by Jaccard alone, as before
