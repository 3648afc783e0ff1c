"""Feeds file validation (with line numbers) and splitting feeds into one document per entry."""

from pathlib import Path

import orjson
import pytest
from lxml import etree

from streams.ingest.feed_entries import ATOM, NotAFeed, split_feed
from streams.ingest.feeds import FeedsFileError, entry_item, load_feeds_file
from streams.ingest.sink import HEADER_ID
from tests.support import FIXTURES

INGEST = FIXTURES / "ingest"


def test_a_valid_feeds_file_loads_with_defaults_applied():
    feeds = load_feeds_file(INGEST / "feeds.yaml")
    assert [f.name for f in feeds.feeds] == ["agency-world", "outlet-latest"]
    assert feeds.feeds[0].interval.total_seconds() == 120 and feeds.feeds[1].interval is None
    assert feeds.defaults.interval.total_seconds() == 300
    assert feeds.feeds[0].source_name == "feed:agency-world" and feeds.feeds[1].source_name == "outlet:latest"
    assert feeds.user_agent.startswith("wirestream-tests/")


def test_errors_name_the_line_and_field_of_each_mistake():
    with pytest.raises(FeedsFileError) as caught:
        load_feeds_file(INGEST / "feeds-bad.yaml")
    lines = str(caught.value).splitlines()
    where = {line.split(": ", 2)[1]: line.split(": ", 2)[0].rsplit(":", 1)[1] for line in lines}
    assert where == {"defaults.interval": "2", "feeds[1].name": "6", "feeds[2].url": "9", "feeds[3].intervall": "12"}
    assert any("not a duration" in line for line in lines)


def test_duplicate_names_and_yaml_errors_are_reported(tmp_path: Path):
    dup = tmp_path / "dup.yaml"
    dup.write_text("feeds:\n  - {name: a, url: 'https://x.example/a'}\n  - {name: a, url: 'https://x.example/b'}\n")
    with pytest.raises(FeedsFileError, match=r"dup.yaml:2: feeds: .*name 'a'"):
        load_feeds_file(dup)
    broken = tmp_path / "broken.yaml"
    broken.write_text("feeds:\n  - name: a\n    url: [unclosed\n")
    with pytest.raises(FeedsFileError, match=r"broken.yaml:\d+: not valid YAML"):
        load_feeds_file(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("feeds: []\n")
    with pytest.raises(FeedsFileError, match=r"empty.yaml:1: feeds: "):
        load_feeds_file(empty)


def test_rss_entries_become_single_entry_feeds_with_the_namespaces():
    entries = split_feed((INGEST / "agency-world.rss").read_bytes())
    assert [e.id for e in entries] == ["EA-2025-12-06-0031", "EA-2025-12-06-0017", "EA-2025-12-05-0402"]
    second = entries[1]
    assert second.link == "https://agency.example/world/2025/12/06/us-venezuela-pressure"
    assert second.published == "2025-12-06T02:48:00Z" and second.format == "rss"
    root = etree.fromstring(second.payload)
    assert root.tag == "rss" and root.nsmap["media"] == "http://search.yahoo.com/mrss/"
    items = root.findall("channel/item")
    assert len(items) == 1 and items[0].findtext("guid") == "EA-2025-12-06-0017"
    assert root.findtext("channel/title") == "Example Agency - World News"  # the feed's metadata travels along
    assert items[0].find("{http://search.yahoo.com/mrss/}content").get("url").endswith("caracas.jpg")


def test_atom_entries_keep_ids_links_and_times():
    entries = split_feed((INGEST / "outlet-news.atom").read_bytes())
    first = entries[0]
    assert first.id == "tag:outlet.example,2025:story-88412"
    assert first.link == "https://outlet.example/business/88412"  # the alternate link, not the enclosure
    assert first.updated == "2025-12-06T03:20:00Z" and first.version == first.updated
    root = etree.fromstring(first.payload)
    assert len(root.findall(f"{{{ATOM}}}entry")) == 1 and root.findtext(f"{{{ATOM}}}title") == "Example Outlet: Latest"
    assert entries[1].link == "https://outlet.example/uk/88399"


def test_rss1_and_json_feed_are_split_too():
    rdf = split_feed((INGEST / "wire-rdf.xml").read_bytes())
    assert [e.id for e in rdf] == ["https://wire.example/a/1001", "https://wire.example/a/1000"]
    assert rdf[0].published == "2025-12-06T01:00:00Z"
    desk = split_feed((INGEST / "desk.json").read_bytes())
    assert [e.id for e in desk] == ["desk-2025-0912", "desk-2025-0911"]
    one = orjson.loads(desk[0].payload)
    assert one["title"] == "Example Desk" and [i["id"] for i in one["items"]] == ["desk-2025-0912"]


def test_latin1_feeds_are_decoded_by_their_declaration():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Ç</title><item><guid>x</guid><title>Zürich</title></item></channel></rss>'.encode("latin-1")
    (entry,) = split_feed(data)
    assert "Zürich" in entry.payload.decode("utf-8")


@pytest.mark.parametrize(
    "data",
    [b"<html><body>not a feed</body></html>", b'{"items": []}', b"<rss><channel>", b"", b"plain text"],
)
def test_what_is_not_a_feed_is_refused(data):
    with pytest.raises(NotAFeed):
        split_feed(data)


def test_entity_expansion_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><rss version="2.0"><channel><item><title>&b;</title></item></channel></rss>'
    with pytest.raises(NotAFeed, match="xml_entities"):
        split_feed(bomb)


def test_an_entry_id_is_stable_per_version():
    feeds = load_feeds_file(INGEST / "feeds.yaml")
    first = split_feed((INGEST / "agency-world.rss").read_bytes())
    later = split_feed((INGEST / "agency-world-later.rss").read_bytes())
    ids_first = {entry_item(feeds.feeds[0], e).raw.id for e in first}
    ids_later = {entry_item(feeds.feeds[0], e).raw.id for e in later}
    assert len(ids_first & ids_later) == 2  # the two entries still listed are the same items
    item = entry_item(feeds.feeds[0], first[1])
    assert item.key == b"feed:agency-world:EA-2025-12-06-0017"
    assert item.raw.headers["wire-entry-link"].endswith("us-venezuela-pressure")
    assert item.raw.format_hint == "rss" and item.raw.content_type == "application/rss+xml"
    assert HEADER_ID not in item.raw.headers  # the Kafka record header, not the envelope's
