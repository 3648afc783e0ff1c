"""The store: JSON-able, recoverable from a changelog, bounded by expiry, iterated only to build the index."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from streams.dedup import Deduplicator
from streams.models import DedupStatus, Pubstatus

WEEK = timedelta(days=7)


def _sequence(story, make_item):
    """A realistic stream: originals, copies, near copies, versions, a kill, other stories."""
    a, b = story("port_strike_agency_a"), story("port_strike_agency_b")
    fire, budget = story("wildfire_update"), story("budget_vote")
    a_uri = "urn:newsml:nordwire.com:20250304:ANTW-STRIKE"
    trimmed = "\n\n".join(a.paragraphs[:-1])
    return [
        make_item(a_uri, a.headline, a.body, version="1", agency="Nordwire"),
        make_item("urn:cp:port-strike", b.headline, b.body, agency="Continental Press"),
        make_item("https://gazette.example/antwerp", a.headline.upper(), a.body, agency="Nordwire"),
        make_item("urn:outlet:trimmed", a.headline, trimmed, agency="Nordwire"),
        make_item("urn:fire:1", fire.headline, fire.body, version="1", agency="Nordwire"),
        make_item(a_uri, a.headline, a.body + "\n\nTalks resume Thursday.", version="2", agency="Nordwire"),
        make_item(a_uri, a.headline, a.body, version="1", agency="Nordwire"),
        make_item("urn:budget:1", budget.headline, budget.body, agency="NTB"),
        make_item("urn:outlet:trimmed", a.headline, trimmed, agency="Nordwire"),
        make_item("urn:fire:1", "KILL", "Withdrawn.", version="2", signals=["kill"], pubstatus=Pubstatus.canceled),
        make_item("urn:fire:2", fire.headline, fire.body + " Rain is forecast.", evolvedfrom="urn:fire:1"),
    ]


def _decisions(dedup, items):
    return [dedup.decide(item).model_dump() for item in items]


def test_store_holds_only_str_keys_and_json_values_and_is_iterated_once(story, make_item, clock, strict_store):
    dedup = Deduplicator(strict_store, clock=clock)
    for item in _sequence(story, make_item):
        dedup.decide(item)
        clock.advance(timedelta(minutes=7))
    dedup.expire()
    clock.advance(WEEK + timedelta(days=1))
    dedup.expire()
    assert all(isinstance(k, str) for k in strict_store.data)
    orjson.dumps(strict_store.data)
    assert strict_store.iterations == 1  # the in-memory index is built once, then kept up to date
    dedup.reload()  # as after a Faust recovery: rebuilt from the store on next use
    dedup.decide(_sequence(story, make_item)[0])
    assert strict_store.iterations == 2


def test_restart_over_the_same_store_gives_the_same_decisions(story, make_item, clock):
    items = _sequence(story, make_item)
    expected = _decisions(Deduplicator({}, clock=clock), items)

    store: dict = {}
    got = []
    for item in items:  # a fresh deduplicator for every item: as after a restart
        got.append(Deduplicator(store, clock=clock).decide(item).model_dump())
    assert got == expected


def test_changelog_recovery_between_items_gives_the_same_decisions(story, make_item, clock):
    """Round-trip the whole store through orjson between items, as a Faust table recovering from
    its changelog would, with a new deduplicator each time."""
    items = _sequence(story, make_item)
    reference_store: dict = {}
    reference = Deduplicator(reference_store, clock=clock)
    store: dict = {}
    for item in items:
        expected = reference.decide(item)
        store = orjson.loads(orjson.dumps(store))
        assert Deduplicator(store, clock=clock).decide(item) == expected
    assert orjson.dumps(store, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        reference_store, option=orjson.OPT_SORT_KEYS
    )


def test_expired_stories_are_ignored_then_removed(story, make_item, clock, strict_store):
    a = story("port_strike_agency_a")
    dedup = Deduplicator(strict_store, clock=clock, window=WEEK)
    dedup.decide(make_item("urn:a", a.headline, a.body, version="1"))
    trimmed = "\n\n".join(a.paragraphs[:-1])

    clock.advance(WEEK - timedelta(minutes=1))
    assert dedup.decide(make_item("urn:b", a.headline, a.body)).status == DedupStatus.duplicate
    assert dedup.expire() == 0

    clock.advance(timedelta(minutes=2))  # the original is now older than the window
    # ignored even before expire() runs: not an exact copy, not a near copy, not a known uri
    assert dedup.decide(make_item("urn:c", a.headline, trimmed)).status == DedupStatus.new
    # the expired uri is unknown again: its text now only matches the trimmed copy just seen
    again = dedup.decide(make_item("urn:a", a.headline, a.body, version="1"))
    assert again.status == DedupStatus.near_duplicate and again.duplicate_of == "urn:c"

    clock.advance(WEEK + timedelta(hours=1))
    removed = dedup.expire()
    assert removed == 4  # records of urn:a and urn:c, fingerprints of their two texts (urn:b was a copy)
    assert {k[:2] for k in strict_store.data} == {"m:"}, sorted(strict_store.data)


def test_expire_keeps_what_is_still_inside_the_window(story, make_item, clock, strict_store):
    a, fire = story("port_strike_agency_a"), story("wildfire_update")
    dedup = Deduplicator(strict_store, clock=clock, window=timedelta(days=2))
    dedup.decide(make_item("urn:a", a.headline, a.body))
    clock.advance(timedelta(days=1, minutes=33))
    dedup.decide(make_item("urn:f", fire.headline, fire.body))
    clock.advance(timedelta(days=1))  # urn:a expired 33 minutes ago, urn:f is a day old
    assert dedup.expire() == 2  # urn:a's record and fingerprint
    assert dedup.expire() == 0
    assert dedup.decide(make_item("urn:copy", fire.headline, fire.body)).status == DedupStatus.duplicate
    assert dedup.decide(make_item("urn:copy2", a.headline, a.body)).status == DedupStatus.new


def test_refreshed_story_survives_expiry_of_its_first_slot(story, make_item, clock):
    a = story("port_strike_agency_a")
    store: dict = {}
    dedup = Deduplicator(store, clock=clock, window=timedelta(days=1))
    dedup.decide(make_item("urn:a", a.headline, a.body, version="1"))
    clock.advance(timedelta(hours=20))
    assert dedup.decide(make_item("urn:a", a.headline, a.body + " More.", version="2")).status == DedupStatus.update
    clock.advance(timedelta(hours=10))  # v1 indexed 30h ago, the record itself refreshed 10h ago
    dedup.expire()
    assert dedup.decide(make_item("urn:a", a.headline, a.body, version="1")).status == DedupStatus.duplicate
    assert dedup.decide(make_item("urn:z", a.headline, a.body + " More.")).status == DedupStatus.duplicate


def test_expire_reads_only_what_it_may_remove(story, make_item, clock):
    """expire() pops its in-memory time order: it never walks the store, and reads only entries
    that were written before the cutoff."""
    reads: list[str] = []

    class CountingStore(dict):
        def get(self, key, default=None):
            reads.append(key)
            return super().get(key, default)

        def __getitem__(self, key):
            reads.append(key)
            return super().__getitem__(key)

    store = CountingStore()
    dedup = Deduplicator(store, clock=clock, window=timedelta(hours=2))
    def text(tag: str, i: int) -> str:  # distinct stories: no two share a shingle
        return " ".join(f"{tag}{i}w{j}" for j in range(40))

    for i in range(50):
        assert dedup.decide(make_item(f"urn:old:{i}", f"Old {i}", text("old", i))).status == DedupStatus.new
    clock.advance(timedelta(hours=3))
    for i in range(50):
        dedup.decide(make_item(f"urn:new:{i}", f"New {i}", text("new", i)))
    reads.clear()
    assert dedup.expire() == 100  # 50 old records and the fingerprints they hold
    assert {k[:2] for k in reads} <= {"s:", "x:"}
    assert len(reads) <= 50  # one read per old record; none of the 50 live ones
    assert len([k for k in store if k.startswith("s:")]) == 50


def test_many_stories_in_one_burst_cost_one_store_write_each(story, make_item, clock, strict_store):
    """A backlog decided within seconds (after an outage): one changelog write per new story, no
    list rewritten per item (the former time-slot lists made such a burst O(N²))."""
    fire = story("wildfire_update")
    dedup = Deduplicator(strict_store, clock=clock)
    dedup.decide(make_item("urn:first", fire.headline, fire.body))
    before = strict_store.writes
    for i in range(300):
        dedup.decide(make_item(f"urn:burst:{i}", f"Burst {i} {fire.headline}", f"Story {i} " + " ".join(
            f"w{i}x{j}" for j in range(60))))
    assert strict_store.writes - before == 300
    assert max(len(orjson.dumps(v)) for v in strict_store.data.values()) < 1000


def test_store_built_with_other_parameters_is_refused(make_item, clock):
    store: dict = {}
    Deduplicator(store, clock=clock).decide(make_item("urn:a", "A headline", "Some body text here."))
    with pytest.raises(ValueError, match="num_perm"):
        Deduplicator(store, clock=clock, num_perm=64).decide(make_item("urn:b", "B", "b"))
    # same banding, other threshold: accepted
    Deduplicator(store, clock=clock, threshold=0.8).decide(make_item("urn:c", "C", "c"))


def test_bytes_per_remembered_item(story, make_item, clock):
    """One new ~300-word item costs one store key of ~330 bytes (serialised key and value): the
    LSH buckets, fingerprint owner and expiry order are derived in memory."""
    a = story("port_strike_agency_a")
    store: dict = {}
    dedup = Deduplicator(store, clock=clock)
    dedup.decide(make_item("urn:seed", "seed", "seed text"))  # metadata keys, not per item
    before = {k: v for k, v in store.items()}
    uri = "urn:newsml:nordwire.com:20250304:ANTW-STRIKE-1"
    dedup.decide(make_item(uri, a.headline, a.body, version="1", agency="Nordwire"))
    added = sum(
        len(k) + len(orjson.dumps(v)) - (len(k) + len(orjson.dumps(before[k])) if k in before else 0)
        for k, v in store.items()
    )
    assert 200 < added < 500, added
    assert len(store) - len(before) == 1
