"""Input the ingest producers refuse gets a dead letter on wire.dlq (real broker)."""

import asyncio
import errno
import hashlib
import os
import pathlib
import time

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams import topics as T
from streams.ingest.dropfolder import FAILED, PROCESSED, DropFolder
from streams.ingest.feeds import FeedDefaults, FeedPoller, FeedsFile, FeedSpec
from streams.kafka_clients import client_kwargs, ensure_topics
from streams.metrics import get_metrics
from streams.models import DeadLetter, from_json
from streams.process_files import file_item_id
from tests.ingest.raw_topic import FeedServer, make_raw_topic, read_raw, read_topic
from tests.support import isolated_settings

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(180)]

STORY = b"WASHINGTON (Reuters) - A story of normal size.\n"


async def read_dlq(settings) -> list[tuple[bytes | None, DeadLetter]]:
    return [(r.key, from_json(DeadLetter, r.value)) for r in await read_topic(settings, T.DLQ)]


def rejected_count(producer: str, reason: str) -> float:
    value = get_metrics().registry.get_sample_value("wirestream_ingest_rejected_total", {"producer": producer, "reason": reason})
    return value or 0.0


def test_oversized_and_unreadable_files_get_a_dead_letter_then_move_to_failed(kafka_bootstrap, tmp_path, monkeypatch):
    settings = isolated_settings(kafka_bootstrap, max_item_bytes=4096)
    make_raw_topic(settings)
    folder = tmp_path / "drop"
    folder.mkdir()
    big = b"<a>" + b"x" * 9000 + b"</a>"
    (folder / "big.xml").write_bytes(big)
    (folder / "locked.txt").write_bytes(STORY)
    (folder / "story.txt").write_bytes(STORY)
    # Tests run as root here, where permissions do not stop a read: the read itself fails.
    real_read = pathlib.Path.read_bytes

    def read_bytes(path):
        if path.name == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    before = (rejected_count("dir", "too_large"), rejected_count("dir", "unreadable"))
    counts = asyncio.run(DropFolder(settings, folder, source="dropfolder:d", settle=0).run(once=True))
    assert (counts.sent, counts.failed) == (1, 2)
    assert (folder / PROCESSED / "story.txt").exists()
    assert (rejected_count("dir", "too_large"), rejected_count("dir", "unreadable")) == (before[0] + 1, before[1] + 1)

    letters = {letter.reason: (key, letter) for key, letter in asyncio.run(read_dlq(settings))}
    assert set(letters) == {"too_large", "unreadable"}
    key, large = letters["too_large"]
    assert large.stage == "ingest" and large.source == "dropfolder:d" and large.format is None
    assert large.raw_id == file_item_id("big.xml", hashlib.sha256(big).hexdigest()) and key == large.raw_id.encode()
    assert large.original_bytes() == big[:4096] and large.original_encoding == "text"
    assert f"{len(big)} bytes > WIRE_MAX_ITEM_BYTES (4096); the file is in failed/big.xml" in large.message
    assert f"the letter holds its first 4096 of {len(big)} bytes" in large.message
    assert not large.replayable()
    reason_file = (folder / FAILED / "big.xml.reason").read_text()
    assert reason_file.startswith(f"too_large: {len(big)} bytes") and large.id in reason_file
    assert (folder / FAILED / "big.xml").read_bytes() == big  # the whole input is kept

    _, locked = letters["unreadable"]
    assert locked.raw_id is None and locked.original == "" and "Permission denied" in locked.message
    assert "the file is in failed/locked.txt" in locked.message
    assert (folder / FAILED / "locked.txt.reason").read_text().startswith("unreadable: cannot read the file")
    assert [r.raw.filename for r in asyncio.run(read_raw(settings))] == ["story.txt"]  # nothing else on wire.raw


def test_a_file_kafka_refuses_is_dead_lettered(kafka_bootstrap, tmp_path):
    """wire.raw exists with a smaller max.message.bytes than WIRE_MAX_ITEM_BYTES implies."""
    settings = isolated_settings(kafka_bootstrap, max_item_bytes=8192)

    async def narrow_raw_topic():
        admin = AIOKafkaAdminClient(**client_kwargs(settings))
        await admin.start()
        try:
            await admin.create_topics([NewTopic(settings.topic(T.RAW), settings.partitions, 1, topic_configs={"max.message.bytes": "1024"})])
        finally:
            await admin.close()
        await ensure_topics(settings, [T.BY_NAME[T.RAW], T.BY_NAME[T.DLQ]])  # waits for leaders

    asyncio.run(narrow_raw_topic())
    folder = tmp_path / "drop"
    folder.mkdir()
    noise = os.urandom(3000)  # incompressible: larger than 1024 bytes after zstd too
    (folder / "photo.bin").write_bytes(noise)
    counts = asyncio.run(DropFolder(settings, folder, source="dropfolder:k", settle=0).run(once=True))
    assert (counts.sent, counts.failed) == (0, 1)
    [(_, letter)] = asyncio.run(read_dlq(settings))
    assert (letter.stage, letter.reason) == ("ingest", "kafka_refused")
    assert letter.original_encoding == "base64" and letter.original_bytes() == noise  # small enough to keep whole
    assert "MessageSizeTooLargeError" in letter.message or "RecordTooLargeError" in letter.message
    assert (folder / FAILED / "photo.bin.reason").read_text().startswith("kafka_refused: Kafka refused the record")


def test_a_feed_entry_too_large_gets_one_dead_letter_and_the_rest_is_sent(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap, max_item_bytes=2048)
    make_raw_topic(settings)
    big_text = "Lorem ipsum dolor sit amet. " * 200

    def rss(*items: tuple[str, str]) -> bytes:
        entries = "".join(
            f"<item><guid>{guid}</guid><title>{guid}</title><description>{text}</description>"
            f"<pubDate>Sat, 06 Dec 2025 04:00:00 GMT</pubDate></item>" for guid, text in items
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://a.example/</link>{entries}</channel></rss>'.encode()

    with FeedServer(documents={"/f.rss": (rss(("small-1", "LONDON (Reuters) - Short."), ("huge-1", big_text)), "application/rss+xml")}) as server:
        feeds = FeedsFile(defaults=FeedDefaults(interval="0.3s"), feeds=[FeedSpec(name="f", url=server.url("/f.rss"))])
        poller = FeedPoller(settings, feeds, tmp_path / "state")

        async def until(entry_id: str, task: asyncio.Task) -> None:
            deadline = time.monotonic() + 60
            while entry_id not in {r.headers["wire-entry-id"] for r in await read_raw(settings)}:
                assert time.monotonic() < deadline and not task.done()
                await asyncio.sleep(0.2)

        async def polls():
            task = asyncio.create_task(poller.run())
            try:
                await until("small-1", task)
                # The feed gains an entry: the big one is still listed, and not lettered again.
                server.documents["/f.rss"] = (rss(("small-2", "PARIS (Reuters) - Another."), ("small-1", "LONDON (Reuters) - Short."), ("huge-1", big_text)), "application/rss+xml")
                await until("small-2", task)
                await asyncio.sleep(1.0)  # a few more polls
            finally:
                poller.stopping.set()
                outcomes = await asyncio.wait_for(task, 30)
            return outcomes

        outcomes = asyncio.run(polls())
        assert outcomes["f"].ok and len(server.requests) >= 3
    assert sorted(r.headers["wire-entry-id"] for r in asyncio.run(read_raw(settings))) == ["small-1", "small-2"]
    [(key, letter)] = asyncio.run(read_dlq(settings))
    assert (letter.stage, letter.reason, letter.source, letter.format) == ("ingest", "too_large", "feed:f", "rss")
    assert "entry huge-1 of feed f" in letter.message and "> WIRE_MAX_ITEM_BYTES (2048)" in letter.message
    assert len(letter.original_bytes()) == 2048 and letter.original_bytes().startswith(b"<?xml") and b"<rss" in letter.original_bytes()
    assert key == letter.raw_id.encode()
