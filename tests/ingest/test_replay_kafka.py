"""Replay on the real broker: 10,000 items with a progress bar, dead-letter dumps, --journal."""

import asyncio
import subprocess

import pytest

from streams.models import RawItem, to_json
from tests.ingest.raw_topic import ingest_env, make_raw_topic, read_raw, wirestream_cmd
from tests.support import FIXTURES, isolated_settings

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(240)]


def test_replay_of_ten_thousand_items_shows_progress_and_lands_all(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    archive = tmp_path / "archive.jsonl"
    with archive.open("wb") as fh:
        for n in range(10_000):
            raw = RawItem.from_bytes(f"LONDON, Dec 6 (Agency) - archived story {n}.".encode(), source="archive:2025", id=f"arch-{n:05d}", filename=f"{n}.txt")
            fh.write(to_json(raw) + b"\n")
    result = subprocess.run(
        wirestream_cmd("ingest", "replay", str(archive), "--progress"),
        env=ingest_env(settings, COLUMNS="120"), capture_output=True, timeout=200,
    )
    err = result.stderr.decode()
    assert result.returncode == 0, err[-3000:]
    assert "10000/10000" in err and "100%" in err and "━" in err  # the rich bar, drawn to the end
    assert "replayed 10000 of 10000 items" in err
    records = asyncio.run(read_raw(settings))
    ids = [r.raw.id for r in records]
    assert len(ids) == 10_000 and set(ids) == {f"arch-{n:05d}" for n in range(10_000)}
    assert {r.headers["wire-source"] for r in records} == {"archive:2025"}


def test_dead_letter_dumps_are_replayed_and_a_journal_skips_a_rerun(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    dlq = tmp_path / "dlq.jsonl"
    processed = subprocess.run(
        wirestream_cmd("process", str(FIXTURES / "corpus" / "malformed"), "--dlq", str(dlq)),
        capture_output=True, timeout=120,
    )
    assert processed.returncode == 0, processed.stderr.decode()[-2000:]
    dead = dlq.read_bytes().splitlines()
    assert dead
    folder = FIXTURES / "corpus" / "nitf"
    cmd = wirestream_cmd("ingest", "replay", str(dlq), str(folder), "--no-progress", "--rate", "50", "--journal", str(tmp_path / "replay.journal"))
    first = subprocess.run(cmd, env=ingest_env(settings), capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr.decode()[-2000:]
    again = subprocess.run(cmd, env=ingest_env(settings), capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert f"replayed 0 of {len(dead) + 1} items" in again.stderr.decode()
    assert f"{len(dead) + 1} already sent" in again.stderr.decode()
    records = asyncio.run(read_raw(settings))
    assert len(records) == len(dead) + 1
    replayed = [r for r in records if "wire-replay-of" in r.headers]
    assert len(replayed) == len(dead)
    assert all(r.raw.headers["wire-replay-of"] == r.headers["wire-replay-of"] for r in replayed)
