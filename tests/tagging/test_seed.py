"""Acceptance for the seed story (Reuters, WASHINGTON, Dec 5: U.S. pressure on Venezuela)."""

from __future__ import annotations


def _codes(tags):
    return [t.code for t in tags]


def test_seed_places(tagger, seed_item):
    tags = tagger.tag(seed_item)
    places = {t.code: t for t in tags.places}
    assert {"VE", "US", "CU"} <= set(places)
    # Filed in Washington, about U.S. pressure on Venezuela: both countries are the subject,
    # Venezuela first; Cuba is mentioned, not the subject.
    assert tags.places[0].code == "VE" and tags.places[0].primary
    assert places["VE"].score >= places["US"].score
    assert {t.code for t in tags.places if t.primary} == {"VE", "US"}
    for code in ("VE", "US", "CU"):
        assert places[code].evidence


def test_seed_storyline(tagger, seed_item):
    tags = tagger.tag(seed_item)
    assert "venezuela-us-pressure" in _codes(tags.storylines)
    story = next(t for t in tags.storylines if t.code == "venezuela-us-pressure")
    assert story.name == "Venezuela/U.S. pressure"
    assert story.evidence and 0 < story.score <= 1


def test_seed_people(tagger, seed_item):
    people = {t.code: t for t in tagger.tag(seed_item).people}
    assert {"person:nicolas-maduro", "person:donald-trump", "person:bruno-rodriguez"} <= set(people)
    assert people["person:nicolas-maduro"].country == "VE"
    assert people["person:donald-trump"].country == "US"
    assert people["person:bruno-rodriguez"].country == "CU"
    # "Maduro" alone counts once the full name has been seen.
    assert sum(e.text == "Maduro" for e in people["person:nicolas-maduro"].evidence) >= 3


def test_seed_organisations(tagger, seed_item):
    orgs = {t.code: t for t in tagger.tag(seed_item).organisations}
    assert "org:international-criminal-court" in orgs
    assert "org:united-nations" in orgs
    assert orgs["org:international-criminal-court"].country is None


def test_seed_regions(tagger, seed_item):
    regions = {t.code: t for t in tagger.tag(seed_item).regions}
    assert regions["m49:419"].name == "Latin America and the Caribbean"
    assert regions["m49:021"].name == "Northern America"
    assert regions["m49:419"].primary and regions["m49:021"].primary  # sub-regions of the primary places
    assert regions["m49:419"].evidence and regions["m49:021"].evidence


def test_seed_topics(tagger, seed_item):
    topics = set(_codes(tagger.tag(seed_item).topics))
    assert topics & {"medtop:11000000", "medtop:20000639"}  # politics / diplomacy
    assert topics & {"medtop:16000000", "medtop:20000599", "medtop:20000056"}  # conflict / armed forces
    assert "medtop:20000639" in topics  # diplomacy
    assert "medtop:20000599" in topics  # armed forces
    assert "medtop:20000642" in topics  # economic sanction


def test_seed_evidence_indexes_the_text(tagger, seed_item):
    tags = tagger.tag(seed_item)
    for group in (tags.places, tags.regions, tags.topics, tags.people, tags.organisations, tags.storylines):
        for tag in group:
            for ev in tag.evidence:
                source = {"body_text": seed_item.body_text, "headline": seed_item.headline,
                          "dateline": seed_item.dateline.place}[ev.field]
                assert source[ev.start:ev.end] == ev.text
