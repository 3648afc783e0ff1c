"""The drop folder on the real broker: each file lands on wire.raw exactly once across SIGKILLs."""

import asyncio
import hashlib
import shutil
import signal
import subprocess
import time
from pathlib import Path

import orjson
import pytest

from streams.ingest.dropfolder import FAILED, PROCESSED, STATE, DropFolder, file_item_id
from streams.ingest.journal import JournaledSink, SentJournal
from streams.ingest.sink import HEADER_ID, Outgoing, RawSink
from streams.models import RawItem
from tests.ingest.raw_topic import ingest_env, make_raw_topic, read_raw, wirestream_cmd
from tests.support import FIXTURES, isolated_settings

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(240)]

CORPUS = sorted(p for p in (FIXTURES / "corpus").rglob("*") if p.is_file() and p.name != "SOURCES.md")


def fill(folder: Path, copies: int) -> dict[str, str]:
    """Copies of the corpus under unique names; returns {relative name: expected RawItem id}."""
    expected = {}
    for n in range(copies):
        for src in CORPUS:
            name = f"{n:03d}-{src.name}"
            data = src.read_bytes()
            (folder / name).write_bytes(data)
            expected[name] = file_item_id(name, hashlib.sha256(data).hexdigest())
    return expected


def processed(folder: Path) -> int:
    return sum(1 for _ in (folder / PROCESSED).iterdir()) if (folder / PROCESSED).exists() else 0


def inbox(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def records_of(settings, source: str):
    return [r for r in asyncio.run(read_raw(settings)) if r.raw.source == source]


def test_sigkill_mid_way_and_restart_lands_every_file_exactly_once(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    folder = tmp_path / "drop"
    folder.mkdir()
    expected = fill(folder, 90)  # ~3000 files
    env = ingest_env(settings, WIRE_INGEST_BATCH="20")
    cmd = wirestream_cmd("ingest", "dir", str(folder), "--settle", "0", "--source", "dropfolder:test")
    log = (tmp_path / "ingest.log").open("wb")
    for kill_after in (300, 1500):
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while processed(folder) < kill_after:
                assert proc.poll() is None, (tmp_path / "ingest.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "the drop folder made no progress"
                time.sleep(0.01)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert inbox(folder), "the producer finished before it was killed: the test proved nothing"
    finished = subprocess.run(cmd + ["--once"], env=env, capture_output=True, timeout=180)
    assert finished.returncode == 0, finished.stderr.decode()[-3000:]
    assert inbox(folder) == [] and processed(folder) == len(expected)

    records = records_of(settings, "dropfolder:test")
    ids = [r.raw.id for r in records]
    assert len(ids) == len(expected), f"{len(ids) - len(set(ids))} sent twice, {len(set(expected.values()) - set(ids))} lost"
    assert set(ids) == set(expected.values())
    by_name = {r.raw.filename: r for r in records}
    assert {n: by_name[n].raw.id for n in expected} == expected
    # record headers and keys as the contract says
    one = by_name[next(iter(expected))]
    assert one.headers[HEADER_ID] == one.raw.id and one.headers["wire-source"] == "dropfolder:test"
    assert one.key == f"dropfolder:test:{one.raw.filename}".encode()
    nitf = next(r for n, r in by_name.items() if n.endswith("NTB_nitf_sample.xml"))
    assert nitf.headers["content-type"] == "application/xml" and "wire-format" not in nitf.headers
    ninjs = next(r for n, r in by_name.items() if n.endswith(".json"))
    assert ninjs.headers["wire-format"] == "ninjs" and ninjs.raw.format_hint == "ninjs"


async def _send_without_journaling(settings, folder: Path, source: str) -> list[str]:
    """What a producer killed after Kafka's ack and before its journal write leaves behind."""
    sink = RawSink(settings, "dir")
    await sink.start()
    journal = SentJournal(folder / STATE / "journal.jsonl")
    out = JournaledSink(sink, journal, [source])
    await out.start()  # writes the checkpoint a real producer writes before sending
    items = []
    for path in sorted(folder.iterdir()):
        if path.is_file():
            data = path.read_bytes()
            raw = RawItem.from_bytes(data, id=file_item_id(path.name, hashlib.sha256(data).hexdigest()), source=source, filename=path.name)
            items.append(Outgoing(raw, source_id=path.name))
    results = await sink.send_many(items)  # acknowledged ...
    assert not any(isinstance(r, BaseException) for r in results)
    journal.close(clean=False)  # ... and then the process died
    await sink.stop()
    return [i.raw.id for i in items]


def test_a_crash_between_ack_and_journal_is_recovered_from_wire_raw(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    folder = tmp_path / "drop"
    folder.mkdir()
    for src in CORPUS[:6]:
        shutil.copy(src, folder / src.name)
    sent = asyncio.run(_send_without_journaling(settings, folder, "dropfolder:w"))
    assert len(records_of(settings, "dropfolder:w")) == 6

    counts = asyncio.run(DropFolder(settings, folder, source="dropfolder:w", settle=0).run(once=True))
    assert counts.sent == 0 and counts.already_sent == 6
    assert sorted(r.raw.id for r in records_of(settings, "dropfolder:w")) == sorted(sent)
    assert inbox(folder) == [] and processed(folder) == 6
    lines = [orjson.loads(l) for l in (folder / STATE / "journal.jsonl").read_bytes().splitlines()]
    assert sum(1 for l in lines if l.get("recovered")) == 6
    assert lines[-1] == {"t": "stop"}


def test_a_crash_between_journal_and_move_moves_without_resending(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    folder = tmp_path / "drop"
    folder.mkdir()
    for src in CORPUS[:5]:
        shutil.copy(src, folder / src.name)
    first = asyncio.run(DropFolder(settings, folder, source="dropfolder:m", settle=0).run(once=True))
    assert first.sent == 5
    for path in (folder / PROCESSED).iterdir():  # as if the moves had not happened
        path.rename(folder / path.name)
    again = asyncio.run(DropFolder(settings, folder, source="dropfolder:m", settle=0).run(once=True))
    assert again.sent == 0 and again.already_sent == 5
    assert len(records_of(settings, "dropfolder:m")) == 5 and processed(folder) == 5


def test_partial_names_wait_for_the_rename_and_oversized_files_fail_with_a_reason(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap, max_item_bytes=4096, ingest_scan_interval=0.05)
    make_raw_topic(settings)
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "big.xml").write_bytes(b"<a>" + b"x" * 5000 + b"</a>")
    (folder / "story.txt.part").write_bytes(b"WASHINGTON (Reuters) - half of it")
    (folder / ".upload.tmp").write_bytes(b"junk")

    async def scenario():
        drop = DropFolder(settings, folder, source="dropfolder:p", settle=0.3)
        task = asyncio.create_task(drop.run())
        try:
            await asyncio.sleep(1.5)
            assert (folder / "story.txt.part").exists()  # never taken under its partial name
            (folder / "story.txt.part").rename(folder / "story.txt")
            deadline = time.monotonic() + 30
            while not (folder / PROCESSED / "story.txt").exists():
                assert time.monotonic() < deadline and not task.done()
                await asyncio.sleep(0.05)
        finally:
            drop.stopping.set()
            await asyncio.wait_for(task, 30)
        return drop.counts

    counts = asyncio.run(scenario())
    assert counts.sent == 1 and counts.failed == 1
    assert (folder / FAILED / "big.xml").exists()
    assert (folder / FAILED / "big.xml.reason").read_text().startswith("too_large: 5007 bytes")
    assert (folder / ".upload.tmp").exists()
    (record,) = records_of(settings, "dropfolder:p")
    assert record.raw.filename == "story.txt" and record.raw.payload.startswith("WASHINGTON")
