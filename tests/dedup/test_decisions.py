"""Decisions on realistic pairs: exact copies, near copies, versions, kills, different stories."""

from __future__ import annotations

from datetime import timedelta

import pytest

from streams.dedup import Deduplicator, dedup_routing_key
from streams.models import DedupStatus, Pubstatus, stable_id

A_URI = "urn:newsml:nordwire.com:20250304:ANTW-STRIKE"
CLUTTER = [
    "Reporting by Pieter Claes; Editing by Susan Fenton",
    "Our Standards: The Nordwire Trust Principles.",
    "Read more: Rotterdam terminals brace for diverted cargo",
]


@pytest.fixture
def port_a(story):
    return story("port_strike_agency_a")


@pytest.fixture
def dedup(clock):
    return Deduplicator({}, clock=clock)


def cluster(uri: str) -> str:
    return stable_id("cluster", uri)


# ------------------------------------------------------------------ exact copies


def test_first_item_is_new(dedup, make_item, port_a):
    info = dedup.decide(make_item(A_URI, port_a.headline, port_a.body, agency="Nordwire"))
    assert info.status == DedupStatus.new
    assert info.duplicate_of is None and info.similarity is None and info.replaces is None
    assert info.cluster_id == cluster(A_URI)


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda h, b: (h, "  " + b.replace(" ", "   ").replace("\n\n", "\n \t\n") + "\n"), id="whitespace"),
        pytest.param(lambda h, b: (h.upper(), b.lower()), id="case"),
        pytest.param(
            lambda h, b: (f"<b>{h}</b>", "".join(f"<p class='body'>{p}</p>\n" for p in b.split("\n\n"))), id="markup"
        ),
        pytest.param(
            lambda h, b: (
                h,
                b.replace('"', "\u201c").replace(" - ", " \u2013 ").replace("'", "\u2019").replace(",", ""),
            ),
            id="punctuation",
        ),
        pytest.param(
            lambda h, b: (h, b.replace("&", "&amp;").replace("Antwerp", "\uff21\uff4e\uff54\uff57\uff45\uff52\uff50")),
            id="entities-nfkc",
        ),
    ],
)
def test_exact_copies_from_another_source_are_duplicates(dedup, make_item, port_a, transform):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, agency="Nordwire"))
    headline, body = transform(port_a.headline, port_a.body)
    info = dedup.decide(make_item("https://dailyherald.example/world/antwerp-strike", headline, body))
    assert info.status == DedupStatus.duplicate
    assert info.similarity == 1.0
    assert info.duplicate_of == A_URI
    assert info.cluster_id == cluster(A_URI)


# ------------------------------------------------------------------ near copies


def test_syndicated_copy_with_clutter_and_headline_tweak(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, agency="Nordwire"))
    copy = make_item(
        "https://gazette.example/news/2025/03/04/antwerp-dockworkers",
        "Antwerp dockworkers halt cargo as pay talks collapse",
        port_a.body + "\n\n" + "\n".join(CLUTTER),
        agency="Nordwire",
        provider="Gazette",
    )
    info = dedup.decide(copy)
    assert info.status == DedupStatus.near_duplicate
    assert info.duplicate_of == A_URI
    assert info.cluster_id == cluster(A_URI)
    assert 0.8 <= info.similarity < 1.0


def test_trimmed_paragraph_is_near_duplicate(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body))
    trimmed = "\n\n".join(port_a.paragraphs[:-1])
    info = dedup.decide(make_item("urn:outlet:trimmed", port_a.headline, trimmed))
    assert info.status == DedupStatus.near_duplicate
    assert info.duplicate_of == A_URI
    assert 0.8 <= info.similarity < 1.0


def test_changed_quote_is_near_duplicate(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body))
    old = (
        '"Our members have worked through a pandemic, a cyberattack and record volumes, '
        'and they are being offered less than inflation,"'
    )
    new = (
        '"Our members kept this port open through the pandemic and a cyberattack, '
        'and now they are offered a pay cut in real terms,"'
    )
    assert old in port_a.body
    info = dedup.decide(make_item("urn:outlet:requoted", port_a.headline, port_a.body.replace(old, new)))
    assert info.status == DedupStatus.near_duplicate
    assert info.duplicate_of == A_URI
    assert 0.8 <= info.similarity < 1.0


def test_copy_of_a_near_copy_joins_the_same_cluster(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body))
    trimmed = "\n\n".join(port_a.paragraphs[:-1])
    dedup.decide(make_item("urn:outlet:trimmed", port_a.headline, trimmed))
    again = dedup.decide(make_item("urn:other:trimmed-copy", port_a.headline.upper(), trimmed))
    assert again.status == DedupStatus.duplicate
    assert again.duplicate_of == A_URI and again.cluster_id == cluster(A_URI)


# ------------------------------------------------------------------ different stories


def test_two_agencies_reporting_the_same_event_are_different_stories(dedup, make_item, story):
    a, b = story("port_strike_agency_a"), story("port_strike_agency_b")
    first = dedup.decide(make_item(A_URI, a.headline, a.body, agency="Nordwire"))
    second = dedup.decide(make_item("urn:cp:2025-03-04:port-strike", b.headline, b.body, agency="Continental Press"))
    assert first.status == second.status == DedupStatus.new
    assert first.cluster_id != second.cluster_id


def test_unrelated_stories_and_a_shared_quote_are_new(dedup, make_item, story):
    fire, budget, port = story("wildfire_update"), story("budget_vote"), story("port_strike_agency_a")
    assert dedup.decide(make_item("urn:a:fire", fire.headline, fire.body)).status == DedupStatus.new
    assert dedup.decide(make_item("urn:a:budget", budget.headline, budget.body)).status == DedupStatus.new
    # A round-up that quotes one paragraph of the port story is a different story.
    roundup = "\n\n".join([fire.paragraphs[0], port.paragraphs[2], budget.paragraphs[0]])
    assert dedup.decide(make_item("urn:a:roundup", "Europe at a glance", roundup)).status == DedupStatus.new


def test_same_agency_correction_of_a_different_story_is_new(dedup, make_item, story):
    a, b = story("port_strike_agency_a"), story("port_strike_agency_b")
    dedup.decide(make_item(A_URI, a.headline, a.body, agency="Nordwire"))
    info = dedup.decide(make_item("urn:nw:other", b.headline, b.body, agency="Nordwire", signals=["correction"]))
    assert info.status == DedupStatus.new


# ------------------------------------------------------------------ versions


def test_versions_of_one_uri(dedup, make_item, port_a):
    v1 = make_item(A_URI, port_a.headline, port_a.body, version="1", agency="Nordwire")
    body2 = port_a.body.replace("21 container vessels", "27 container vessels") + "\n\nTalks will resume on Thursday."
    v2 = make_item(A_URI, "UPDATE 1-" + port_a.headline, body2, version="2", agency="Nordwire", signals=["update"])

    assert dedup.decide(v1).status == DedupStatus.new
    info = dedup.decide(v2)
    assert info.status == DedupStatus.update
    assert info.replaces == f"{A_URI}@1"
    assert info.duplicate_of == A_URI and info.cluster_id == cluster(A_URI)
    assert 0.0 < info.similarity < 1.0

    # v1 arriving again (late, or re-sent), and v2 re-sent: copies.
    late = dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="1", agency="Nordwire"))
    assert late.status == DedupStatus.duplicate and late.duplicate_of == A_URI
    assert dedup.decide(v2.model_copy(update={"raw_id": "resend"})).status == DedupStatus.duplicate

    # A copy of v2's text from an outlet belongs to the same story.
    copy = dedup.decide(make_item("urn:outlet:v2", v2.headline, v2.body_text))
    assert copy.status == DedupStatus.duplicate and copy.cluster_id == cluster(A_URI)


def test_versions_compare_numerically(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="9"))
    info = dedup.decide(make_item(A_URI, port_a.headline, port_a.body + " More.", version="10"))
    assert info.replaces == f"{A_URI}@9"
    assert dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="9")).status == DedupStatus.duplicate


def test_higher_version_with_identical_text_is_an_update(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="1"))
    same_text = make_item(A_URI, port_a.headline, port_a.body, version="2", signals=["refile"])
    info = dedup.decide(same_text)
    assert info.status == DedupStatus.update
    assert info.replaces == f"{A_URI}@1" and info.similarity == 1.0
    # ...but the byte-identical re-send of that same version is a copy.
    assert dedup.decide(same_text.model_copy(update={"raw_id": "again"})).status == DedupStatus.duplicate


def test_unversioned_uri_changed_text_is_update_and_old_text_a_copy(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body))
    changed = port_a.body + "\n\nThe union said it would announce further steps on Wednesday."
    info = dedup.decide(make_item(A_URI, port_a.headline, changed))
    assert info.status == DedupStatus.update and info.replaces == A_URI
    assert dedup.decide(make_item(A_URI, port_a.headline, port_a.body)).status == DedupStatus.duplicate
    assert dedup.decide(make_item(A_URI, port_a.headline, changed)).status == DedupStatus.duplicate


def test_evolvedfrom_links_a_new_uri_to_the_story(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="1"))
    v2_uri = A_URI + ":2"
    info = dedup.decide(
        make_item(v2_uri, port_a.headline, port_a.body + " Talks resume Thursday.", version="2", evolvedfrom=A_URI)
    )
    assert info.status == DedupStatus.update
    assert info.replaces == f"{A_URI}@1" and info.duplicate_of == A_URI and info.cluster_id == cluster(A_URI)
    # and a third version evolving from the second stays in the first one's cluster
    v3 = dedup.decide(make_item(A_URI + ":3", port_a.headline, "Strike ends.", version="3", evolvedfrom=v2_uri))
    assert v3.status == DedupStatus.update and v3.replaces == f"{v2_uri}@2" and v3.cluster_id == cluster(A_URI)


def test_correction_from_the_same_agency_under_a_new_uri_is_an_update(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="1", agency="Nordwire"))
    corrected = port_a.body.replace("271 million tonnes", "287 million tonnes").replace("3.1 percent", "3.4 percent")
    correction = make_item(
        "urn:newsml:nordwire.com:20250304:ANTW-STRIKE-CORR",
        "CORRECTED-" + port_a.headline,
        corrected,
        agency="NORDWIRE",  # agency names compare case-insensitively
        signals=["Correction"],
    )
    info = dedup.decide(correction)
    assert info.status == DedupStatus.update
    assert info.replaces == f"{A_URI}@1" and info.cluster_id == cluster(A_URI)
    assert 0.8 <= info.similarity < 1.0


def test_correction_signal_from_another_agency_is_only_a_near_copy(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, agency="Nordwire"))
    corrected = port_a.body.replace("271 million tonnes", "287 million tonnes")
    info = dedup.decide(
        make_item("urn:other:corr", port_a.headline, corrected, agency="Continental Press", signals=["correction"])
    )
    assert info.status == DedupStatus.near_duplicate and info.duplicate_of == A_URI


# ------------------------------------------------------------------ kills


def test_kill_passes_as_update_and_is_never_a_duplicate(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="2", agency="Nordwire"))
    kill = make_item(
        A_URI,
        "KILL - " + port_a.headline,
        "Editors: please withdraw this story. It was sent in error. There will be no replacement.",
        version="3",
        agency="Nordwire",
        signals=["kill"],
        pubstatus=Pubstatus.canceled,
    )
    first = dedup.decide(kill)
    assert first.status == DedupStatus.update
    assert first.replaces == f"{A_URI}@2" and first.cluster_id == cluster(A_URI)
    # the item itself still carries the kill; a repeated kill passes again
    assert kill.signals == ["kill"] and kill.pubstatus == Pubstatus.canceled
    assert dedup.decide(kill.model_copy(update={"raw_id": "again"})).status == DedupStatus.update
    # the killed story re-sent at its old version is still a copy
    assert dedup.decide(make_item(A_URI, port_a.headline, port_a.body, version="2")).status == DedupStatus.duplicate


def test_kill_with_identical_text_or_of_an_unknown_story_is_an_update(dedup, make_item, port_a):
    dedup.decide(make_item(A_URI, port_a.headline, port_a.body))
    withdrawn = dedup.decide(make_item("urn:x:copy", port_a.headline, port_a.body, pubstatus=Pubstatus.canceled))
    assert withdrawn.status == DedupStatus.update
    unknown = dedup.decide(make_item("urn:x:unknown", "KILL", "Withdrawn.", signals=["kill"]))
    assert unknown.status == DedupStatus.update and unknown.replaces is None
    assert unknown.cluster_id == cluster("urn:x:unknown")


# ------------------------------------------------------------------ misc


def test_item_without_text_is_only_known_by_uri(dedup, make_item):
    assert dedup.decide(make_item("urn:pic:1", "", "")).status == DedupStatus.new
    assert dedup.decide(make_item("urn:pic:2", "", "")).status == DedupStatus.new
    assert dedup.decide(make_item("urn:pic:1", "", "")).status == DedupStatus.duplicate


def test_short_items_are_compared_exactly_enough(dedup, make_item):
    assert dedup.decide(make_item("urn:f:1", "Earthquake of magnitude 6.1 strikes off Japan", "")).status == "new"
    assert dedup.decide(make_item("urn:f:2", "Earthquake of magnitude 6.1 strikes off Chile", "")).status == "new"
    shouted = make_item("urn:f:3", "EARTHQUAKE OF MAGNITUDE 6.1 STRIKES OFF JAPAN!", "")
    assert dedup.decide(shouted).status == "duplicate"


def test_routing_key_is_a_single_partition(make_item):
    a = make_item("urn:a", "A", "a")
    b = make_item("urn:b", "B", "b", agency="Other")
    assert dedup_routing_key(a) == dedup_routing_key(b) == "dedup"


def test_parameters_are_validated():
    with pytest.raises(ValueError):
        Deduplicator({}, threshold=1.0)
    with pytest.raises(ValueError):
        Deduplicator({}, window=timedelta(0))
