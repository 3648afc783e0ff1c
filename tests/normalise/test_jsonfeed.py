"""JSON Feed: one item per entry, never mistaken for ninjs."""

from datetime import UTC, datetime

import orjson

from streams.models import RawItem, to_json
from streams.normalise import detect_format, normalise

from .conftest import FIXTURES

FEED = FIXTURES / "jsonfeed" / "newsdesk-jsonfeed.json"


def items():
    result = normalise(RawItem.from_bytes(FEED.read_bytes(), source="feeds:harbour"))
    assert isinstance(result, list), result
    return result


def test_detected_as_json_feed_not_ninjs():
    assert detect_format(RawItem.from_bytes(FEED.read_bytes(), source="t")) == "json-feed"
    # Even when the producer guessed ninjs: detection by content wins.
    assert detect_format(RawItem.from_bytes(FEED.read_bytes(), source="t", format_hint="ninjs")) == "json-feed"


def test_each_entry_is_one_item_with_what_an_editor_reads():
    first, second = items()
    assert first.format == "json-feed"
    assert first.headline == "Dockworkers extend strike at three northern ports"
    assert first.uri == first.url == "https://harbour-daily.example/world/2025/12/06/port-strike"
    assert first.byline == "Anna Visser"
    assert first.versioncreated == datetime(2025, 12, 6, 10, 40, tzinfo=UTC)
    assert first.firstcreated == datetime(2025, 12, 6, 8, 15, tzinfo=UTC)
    assert first.body_text.startswith("ROTTERDAM, Dec 6 (Reuters)")
    assert first.source.agency == "Reuters"
    assert first.source.provider == "Harbour Daily Newswire"
    assert first.dateline and first.dateline.place == "ROTTERDAM"
    assert first.description_text == "Unions said the stoppage would run into next week."
    assert "ports" in first.keywords
    assert first.associations["picture1"].uri.endswith("port.jpg")
    assert second.uri == "20251206002"
    assert second.byline == "Harbour Daily desk"  # the feed's authors when the item names none
    assert second.source.agency == "AFP"
    assert second.body_text.split("\n\n") == [
        "FRANKFURT, Dec 6 (AFP) - The central bank left interest rates unchanged on Saturday.",
        "Policymakers said inflation was easing.",
    ]


def test_hostile_html_does_not_survive():
    out = b"".join(to_json(i) for i in items())
    for bad in (b"<script", b"track(", b"onclick", b"steal()"):
        assert bad not in out
    assert b"return to talks on Monday" in out


def test_a_feed_without_items_is_a_dead_letter():
    doc = {"version": "https://jsonfeed.org/version/1", "title": "Empty", "items": []}
    dead = normalise(RawItem.from_bytes(orjson.dumps(doc), source="t"))
    assert dead.reason == "no_text"
