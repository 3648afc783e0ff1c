"""The feed poller against a local HTTP server (127.0.0.1) and the real broker."""

import asyncio
import subprocess

import pytest

from streams.ingest.feeds import FeedDefaults, FeedPoller, FeedsFile, FeedSpec
from tests.ingest.raw_topic import FeedServer, ingest_env, make_raw_topic, read_raw, wirestream_cmd
from tests.support import FIXTURES, isolated_settings

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(180)]

INGEST = FIXTURES / "ingest"
RSS = "application/rss+xml"


def poll_once(settings, feeds: FeedsFile, state_dir):
    return asyncio.run(FeedPoller(settings, feeds, state_dir).run(once=True))


def entries_on_raw(settings, source):
    return [r for r in asyncio.run(read_raw(settings)) if r.raw.source == source]


def test_conditional_get_then_new_entries_are_sent_once(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap, ingest_user_agent="wirestream-test/1 (+mailto:t@example.org)")
    make_raw_topic(settings)
    with FeedServer(documents={"/world.rss": ((INGEST / "agency-world.rss").read_bytes(), RSS)}) as server:
        feeds = FeedsFile(feeds=[FeedSpec(name="world", url=server.url("/world.rss"))])
        first = poll_once(settings, feeds, tmp_path / "state")
        assert first["world"].ok and first["world"].sent == 3
        assert server.requests[0][2]["User-Agent"] == "wirestream-test/1 (+mailto:t@example.org)"

        # A restart: the poller asks conditionally, gets 304 and sends nothing.
        second = poll_once(settings, feeds, tmp_path / "state")
        assert second["world"].status == 304 and second["world"].sent == 0
        assert "If-None-Match" in server.requests[-1][2] and server.requests[-1][3] == 304
        assert len(entries_on_raw(settings, "feed:world")) == 3

        # Later the feed has one new entry on top: only that one is sent.
        server.documents["/world.rss"] = ((INGEST / "agency-world-later.rss").read_bytes(), RSS)
        third = poll_once(settings, feeds, tmp_path / "state")
        assert third["world"].status == 200 and third["world"].sent == 1

        # A server that ignores conditional requests still gets nothing resent (the journal).
        server.honour_conditional = False
        fourth = poll_once(settings, feeds, tmp_path / "state")
        assert fourth["world"].status == 200 and fourth["world"].sent == 0

    records = entries_on_raw(settings, "feed:world")
    ids = [r.headers["wire-entry-id"] for r in records]
    assert sorted(ids) == sorted(["EA-2025-12-06-0031", "EA-2025-12-06-0017", "EA-2025-12-05-0402", "EA-2025-12-06-0044"])
    quake = next(r for r in records if r.headers["wire-entry-id"] == "EA-2025-12-06-0044")
    assert quake.headers["wire-entry-link"] == "https://agency.example/world/2025/12/06/chile-quake"
    assert quake.headers["wire-entry-published"] == "2025-12-06T04:00:00Z"
    assert quake.headers["wire-format"] == "rss" and quake.headers["content-type"] == RSS
    assert quake.key == b"feed:world:EA-2025-12-06-0044"
    assert quake.raw.payload.count("<item>") == 1 and "Example Agency - World News" in quake.raw.payload
    assert quake.raw.headers["wire-entry-link"] == quake.headers["wire-entry-link"]  # in the envelope too
    # the oldest entry went out first: versions of a feed reach Kafka in order
    first_three = [r for r in records if r.headers["wire-entry-id"] != "EA-2025-12-06-0044"]
    assert min(first_three, key=lambda r: r.raw.received_at).headers["wire-entry-id"] == "EA-2025-12-05-0402"


def test_429_with_retry_after_is_honoured(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    atom = (INGEST / "outlet-news.atom").read_bytes()
    with FeedServer(
        documents={"/latest.atom": (atom, "application/atom+xml")},
        script={"/latest.atom": [(429, {"Retry-After": "2"})]},
    ) as server:
        feeds = FeedsFile(
            defaults=FeedDefaults(backoff=0.05, max_backoff=0.1),  # our own backoff alone would retry at once
            feeds=[FeedSpec(name="latest", url=server.url("/latest.atom"))],
        )
        outcome = poll_once(settings, feeds, tmp_path / "state")
        (t429, _, _, s1), (t200, _, _, s2) = server.requests
    assert (s1, s2) == (429, 200)
    assert t200 - t429 >= 2.0
    assert outcome["latest"].ok and outcome["latest"].sent == 2
    records = entries_on_raw(settings, "feed:latest")
    assert {r.raw.format_hint for r in records} == {"atom"}
    assert {r.headers["wire-entry-updated"] for r in records} == {"2025-12-06T03:20:00Z", "2025-12-05T21:10:00Z"}


def test_the_cli_polls_a_feeds_file_once(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    with FeedServer(
        documents={
            "/desk.json": ((INGEST / "desk.json").read_bytes(), "application/feed+json"),
            "/wire.rdf": ((INGEST / "wire-rdf.xml").read_bytes(), "application/rdf+xml"),
        },
        script={"/wire.rdf": [(503, {"Retry-After": "1"})]},
    ) as server:
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(
            "defaults: {interval: 1m, backoff: 0.1s}\n"
            f"feeds:\n  - name: desk\n    url: {server.url('/desk.json')}\n"
            f"  - name: wire\n    url: {server.url('/wire.rdf')}\n    source: wire:rdf\n"
        )
        cmd = wirestream_cmd("ingest", "feeds", str(feeds_file), "--once", "--state-dir", str(tmp_path / "state"))
        result = subprocess.run(cmd, env=ingest_env(settings), capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr.decode()[-3000:]
        again = subprocess.run(cmd, env=ingest_env(settings), capture_output=True, timeout=120)
        assert again.returncode == 0, again.stderr.decode()[-3000:]
    records = asyncio.run(read_raw(settings))
    assert sorted(r.raw.source for r in records) == ["feed:desk", "feed:desk", "wire:rdf", "wire:rdf"]
    assert "desk: ok, HTTP 200, 2 sent of 2 entries" in result.stderr.decode()
    assert "desk: ok, HTTP 304, 0 sent" in again.stderr.decode()


def test_a_bad_feeds_file_is_refused_with_line_numbers():
    result = subprocess.run(wirestream_cmd("ingest", "feeds", str(INGEST / "feeds-bad.yaml"), "--check"), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "feeds-bad.yaml:9: feeds[2].url: not an http:// or https:// URL" in result.stderr
