"""Routing to the sequencing partition, redelivered records, a short window, corrections."""

from __future__ import annotations

from datetime import timedelta

from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from streams.dedup import Deduplicator, dedup_partition, dedup_routing_key, kafka_default_partition
from streams.models import DedupStatus


@given(st.binary(max_size=64), st.integers(min_value=1, max_value=64))
def test_partition_matches_the_kafka_clients_default_partitioner(key, partitions):
    every = list(range(partitions))
    assert kafka_default_partition(key, partitions) == DefaultPartitioner()(key, every, every)


def test_every_item_is_routed_to_one_partition(make_item, story):
    a, b = story("port_strike_agency_a"), story("wildfire_update")
    items = [make_item("urn:a", a.headline, a.body), make_item("https://x.example/b", b.headline, b.body, agency="AFP")]
    assert len({dedup_routing_key(i) for i in items}) == 1
    assert len({dedup_partition(i, 6) for i in items}) == 1
    assert 0 <= dedup_partition(items[0], 6) < 6


def test_a_redelivered_record_gets_its_first_decision(clock, make_item, story, strict_store):
    a = story("port_strike_agency_a")
    dedup = Deduplicator(strict_store, clock=clock)
    original = make_item("urn:a", a.headline, a.body, version="1", agency="Nordwire")
    first = dedup.decide(original, delivery="3:10")
    assert first.status == DedupStatus.new
    # The same Kafka record again (a restart before the offset was committed): new again.
    assert Deduplicator(strict_store, clock=clock).decide(original, delivery="3:10") == first
    # The same item in another record is another arrival: a duplicate.
    assert dedup.decide(original, delivery="3:11").status == DedupStatus.duplicate

    copy = make_item("https://outlet.example/a", a.headline.upper(), a.body + "\n\nRead more: other news")
    near = dedup.decide(copy, delivery="3:12")
    assert near.status == DedupStatus.near_duplicate
    assert dedup.decide(copy, delivery="3:12") == near

    v2 = make_item("urn:a", a.headline, a.body + "\n\nTalks resume Thursday.", version="2", agency="Nordwire")
    update = dedup.decide(v2, delivery="3:13")
    assert update.status == DedupStatus.update and update.replaces == "urn:a@1"
    assert dedup.decide(v2, delivery="3:13") == update
    assert dedup.decide(v2, delivery="3:14").status == DedupStatus.duplicate


def test_without_a_delivery_every_call_is_an_arrival(clock, make_item, story):
    a = story("port_strike_agency_a")
    dedup = Deduplicator({}, clock=clock)
    item = make_item("urn:a", a.headline, a.body)
    assert dedup.decide(item).status == DedupStatus.new
    assert dedup.decide(item).status == DedupStatus.duplicate


def test_a_story_older_than_a_short_window_is_new_again(clock, make_item, story):
    a = story("port_strike_agency_a")
    dedup = Deduplicator({}, clock=clock, window=timedelta(minutes=5))
    assert dedup.decide(make_item("urn:a", a.headline, a.body)).status == DedupStatus.new
    clock.advance(timedelta(minutes=4))
    assert dedup.decide(make_item("urn:b", a.headline, a.body)).status == DedupStatus.duplicate
    clock.advance(timedelta(minutes=2))  # urn:a is now 6 minutes old
    again = dedup.decide(make_item("urn:c", a.headline, a.body))
    assert again.status == DedupStatus.new and again.duplicate_of is None


def test_a_correction_replaces_the_latest_version_of_the_story(clock, make_item, story):
    a = story("port_strike_agency_a")
    dedup = Deduplicator({}, clock=clock)
    dedup.decide(make_item("urn:a", a.headline, a.body, version="1", agency="Nordwire"))
    clock.advance(timedelta(minutes=10))
    body2 = a.body + "\n\nTalks resume Thursday."
    dedup.decide(make_item("urn:a", a.headline, body2, version="2", agency="Nordwire", signals=["update"]))
    clock.advance(timedelta(minutes=10))
    body3 = body2 + "\n\nThe union said it would vote on the offer."
    v3 = dedup.decide(make_item("urn:a-3", a.headline, body3, evolvedfrom="urn:a", agency="Nordwire"))
    assert v3.replaces == "urn:a@2"
    clock.advance(timedelta(minutes=10))
    # A correction of one figure, on a new uri, with nothing but the agency's signal. Its text
    # is closest to v2 (it lacks v3's last paragraph), yet it supersedes the story's latest
    # version: what a desk has on screen is v3.
    fixed = body2.replace("21 container vessels", "23 container vessels")
    assert fixed != body2
    info = dedup.decide(make_item("urn:a-corr", a.headline, fixed, agency="Nordwire", signals=["correction"]))
    assert info.status == DedupStatus.update
    assert info.duplicate_of == "urn:a" and info.replaces == "urn:a-3"
