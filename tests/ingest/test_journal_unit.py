"""The sent-ids journal: torn lines, clean/unclean stops, checkpoints, compaction, locking."""

import time
from pathlib import Path

import orjson
import pytest

from streams.ingest import journal as J
from streams.ingest.journal import SentJournal, parse_journal


def test_a_fresh_journal_is_clean_and_empty(tmp_path: Path):
    state = SentJournal(tmp_path / "j.jsonl").open()
    assert state.clean and not state.sent and state.checkpoint is None


def test_sent_ids_and_checkpoints_survive_a_reopen(tmp_path: Path):
    j = SentJournal(tmp_path / "j.jsonl")
    j.open()
    j.add_checkpoint({0: 5, 1: 7})
    j.add_sent([("id-1", {"name": "a.xml"}), ("id-2", {})])
    j.close(clean=False)  # as if killed
    again = SentJournal(tmp_path / "j.jsonl")
    state = again.open()
    assert set(state.sent) == {"id-1", "id-2"}
    assert state.checkpoint == {0: 5, 1: 7}
    assert not state.clean  # the next start must reconcile with wire.raw
    again.close(clean=True)
    assert SentJournal(tmp_path / "j.jsonl").open().clean


def test_a_torn_last_line_is_dropped_and_the_file_repaired(tmp_path: Path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(b'{"t":"sent","id":"a","at":1}\n{"t":"sent","id":"b","a')
    j = SentJournal(path)
    state = j.open()
    assert set(state.sent) == {"a"}
    j.add_sent([("c", {})])
    j.close(clean=True)
    lines = [orjson.loads(l) for l in path.read_bytes().splitlines()]
    assert [l.get("id") for l in lines] == ["a", "c", None]


def test_parse_ignores_garbage_lines():
    state, intact = parse_journal(b'not json\n{"t":"sent","id":"x","at":2}\n[1,2]\n{"t":"stop"}\n')
    assert set(state.sent) == {"x"} and state.clean and intact == len(b'not json\n{"t":"sent","id":"x","at":2}\n[1,2]\n{"t":"stop"}\n')


def test_only_a_stop_after_the_last_entry_is_clean():
    state, _ = parse_journal(b'{"t":"stop"}\n{"t":"sent","id":"x","at":2}\n')
    assert not state.clean


def test_compaction_forgets_old_ids_and_keeps_the_checkpoint(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(J, "COMPACT_MIN_LINES", 10)
    path = tmp_path / "j.jsonl"
    old = time.time() - 10 * 86400
    lines = [{"t": "sent", "id": f"old-{i}", "at": old} for i in range(20)]
    lines += [{"t": "sent", "id": f"new-{i}", "at": time.time()} for i in range(5)]
    lines += [{"t": "checkpoint", "offsets": {"0": 42}}]
    path.write_bytes(b"".join(orjson.dumps(l) + b"\n" for l in lines))
    j = SentJournal(path, remember_seconds=86400)
    state = j.open()
    assert set(state.sent) == {f"new-{i}" for i in range(5)}
    assert state.checkpoint == {0: 42} and not state.clean
    j.close(clean=False)
    assert len(path.read_bytes().splitlines()) == 6


def test_two_processes_cannot_share_a_journal(tmp_path: Path):
    first = SentJournal(tmp_path / "j.jsonl")
    first.open()
    with pytest.raises(RuntimeError, match="in use"):
        SentJournal(tmp_path / "j.jsonl").open()
    first.close(clean=True)
    SentJournal(tmp_path / "j.jsonl").open()


async def test_a_checkpoint_kafka_does_not_answer_is_skipped_not_fatal(tmp_path: Path, monkeypatch):
    """During an outage the periodic checkpoint fails; the producer must keep running (and stay
    not ready) rather than crash, keeping the older checkpoint."""
    from aiokafka.errors import KafkaConnectionError

    from streams.ingest.sink import Outgoing
    from streams.models import RawItem

    class FailingSink:
        settings = None

        async def send_many(self, items):
            return [KafkaConnectionError("broker away") for _ in items]

    async def no_answer(_settings):
        raise KafkaConnectionError("Unable to bootstrap")

    monkeypatch.setattr(J, "end_offsets", no_answer)
    journal = SentJournal(tmp_path / "j.jsonl")
    journal.open()
    out = J.JournaledSink(FailingSink(), journal, None, checkpoint_every=0.0)
    item = Outgoing(RawItem.from_bytes(b"LONDON (Reuters) - x", source="s"), source_id="a")
    [result] = await out.send_batch([item])
    assert isinstance(result, KafkaConnectionError) and not journal.is_sent(item.raw.id)
    assert journal.state.checkpoint is None and not out._pausing  # sends are not blocked afterwards
    journal.close(clean=False)
