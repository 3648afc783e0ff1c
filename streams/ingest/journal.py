"""Exactly once onto ``wire.raw`` across crashes: a journal of acknowledged ids, reconciled with Kafka.

Every item a producer sends has a deterministic RawItem id (drop folder: file name + content hash;
feeds: feed + entry id + entry time). The journal is an append-only JSON-lines file:

    {"t": "sent", "id": ..., "at": ...}        Kafka acknowledged this id (written after the ack)
    {"t": "checkpoint", "offsets": {...}}       wire.raw end offsets at a moment with no send in flight
    {"t": "stop"}                               clean shutdown: every ack is journaled

A producer skips ids the journal has. The one window left is a crash after Kafka acknowledged a
send and before its "sent" line was written. It is closed on start: when the journal does not end
with "stop", the producer reads wire.raw from the last checkpoint to its end and journals every
id its sources wrote there (`sink.scan_ids`). A checkpoint is only taken while nothing is in
flight, so anything sent after it lies past its offsets. Only then does the producer send again.

Lines are flushed and fsynced per batch; a torn last line (a crash mid-write) is dropped. The
file is compacted on load, forgetting ids older than `remember`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka.structs import RecordMetadata

from .sink import Outgoing, RawSink, end_offsets, scan_ids

log = logging.getLogger(__name__)

COMPACT_MIN_LINES = 10_000


@dataclass
class JournalState:
    sent: dict[str, float] = field(default_factory=dict)  # id -> when acknowledged (epoch seconds)
    checkpoint: dict[int, int] | None = None
    clean: bool = True
    lines: int = 0


def parse_journal(data: bytes) -> tuple[JournalState, int]:
    """The state a journal's bytes describe, and the length of its intact prefix."""
    state = JournalState()
    intact = 0
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:
            break  # torn last line: the crash came mid-write, the line never counted
        line = data[pos:end]
        pos = end + 1
        try:
            entry = orjson.loads(line) if line.strip() else None
        except orjson.JSONDecodeError:
            entry = None
        if isinstance(entry, dict):
            state.lines += 1
            kind = entry.get("t")
            if kind == "sent" and isinstance(entry.get("id"), str):
                state.sent[entry["id"]] = float(entry.get("at", 0.0))
                state.clean = False
            elif kind == "checkpoint" and isinstance(entry.get("offsets"), dict):
                state.checkpoint = {int(p): int(o) for p, o in entry["offsets"].items()}
                state.clean = False
            elif kind == "stop":
                state.clean = True
        intact = pos
    return state, intact


class SentJournal:
    """The file behind the exactly-once protocol (see the module doc). Not thread-safe."""

    def __init__(self, path: Path, remember_seconds: float = 90 * 86400.0) -> None:
        self.path = path
        self.remember = remember_seconds
        self.state = JournalState()
        self._fh = None
        self._lock_fh = None

    def open(self) -> JournalState:
        """Lock, read, repair and compact the journal; returns its state."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fh = open(self.path.with_suffix(".lock"), "a")
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            self._lock_fh = None
            raise RuntimeError(f"{self.path} is in use by another ingest process") from None
        data = self.path.read_bytes() if self.path.exists() else b""
        self.state, intact = parse_journal(data)
        if intact < len(data):
            log.warning("journal %s: dropping a torn last line (%d bytes)", self.path, len(data) - intact)
            with open(self.path, "r+b") as fh:
                fh.truncate(intact)
        if self.state.lines > max(COMPACT_MIN_LINES, 2 * len(self.state.sent)) or self._expired():
            self._compact()
        self._fh = open(self.path, "ab")
        return self.state

    def _expired(self) -> bool:
        horizon = time.time() - self.remember
        return any(at < horizon for at in self.state.sent.values()) and self.state.lines > COMPACT_MIN_LINES

    def _compact(self) -> None:
        horizon = time.time() - self.remember
        self.state.sent = {i: at for i, at in self.state.sent.items() if at >= horizon}
        lines = [orjson.dumps({"t": "sent", "id": i, "at": at}) for i, at in self.state.sent.items()]
        if self.state.checkpoint is not None:
            lines.append(orjson.dumps({"t": "checkpoint", "offsets": {str(p): o for p, o in self.state.checkpoint.items()}}))
        if self.state.clean:
            lines.append(b'{"t":"stop"}')
        tmp = self.path.with_suffix(".compact")
        with open(tmp, "wb") as fh:
            fh.write(b"".join(line + b"\n" for line in lines))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        self.state.lines = len(lines)

    def _append(self, entries: Iterable[dict[str, Any]]) -> None:
        assert self._fh is not None, "journal not open"
        payload = b"".join(orjson.dumps(e) + b"\n" for e in entries)
        if not payload:
            return
        self._fh.write(payload)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def is_sent(self, item_id: str) -> bool:
        return item_id in self.state.sent

    def add_sent(self, ids_and_info: Iterable[tuple[str, dict[str, Any]]]) -> None:
        now = time.time()
        entries = []
        for item_id, info in ids_and_info:
            self.state.sent[item_id] = now
            entries.append({"t": "sent", "id": item_id, "at": now, **info})
        self.state.lines += len(entries)
        self.state.clean = self.state.clean and not entries
        self._append(entries)

    def add_checkpoint(self, offsets: dict[int, int]) -> None:
        self.state.checkpoint = dict(offsets)
        self.state.clean = False
        self.state.lines += 1
        self._append([{"t": "checkpoint", "offsets": {str(p): o for p, o in offsets.items()}, "at": time.time()}])

    def close(self, clean: bool) -> None:
        if self._fh is not None:
            if clean:
                self._append([{"t": "stop"}])
                self.state.clean = True
            self._fh.close()
            self._fh = None
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JournaledSink:
    """A RawSink whose acknowledged ids are journaled, reconciled with wire.raw after a crash."""

    def __init__(self, sink: RawSink, journal: SentJournal, sources: Iterable[str] | None, checkpoint_every: float = 10.0) -> None:
        self.sink = sink
        self.journal = journal
        self.sources = None if sources is None else set(sources)  # None: recover ids of any source
        self.checkpoint_every = checkpoint_every
        self._in_flight = 0
        self._pausing = False
        self._cond = asyncio.Condition()
        self._last_checkpoint = 0.0
        self.recovered: set[str] = set()

    async def start(self) -> None:
        """Open the journal and, after an unclean stop, journal what reached wire.raw meanwhile."""
        state = self.journal.open()
        if not state.clean:
            found = await scan_ids(self.sink.settings, state.checkpoint, self.sources)
            self.recovered = {i for i in found if not self.journal.is_sent(i)}
            if self.recovered:
                log.warning("recovered %d ids acknowledged before the last crash: not sending them again", len(self.recovered))
            self.journal.add_sent((i, {"recovered": True}) for i in sorted(self.recovered))
        await self.checkpoint()

    def is_sent(self, item_id: str) -> bool:
        return self.journal.is_sent(item_id)

    @contextlib.asynccontextmanager
    async def _sending(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._pausing)
            self._in_flight += 1
        try:
            yield
        finally:
            async with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    async def send_batch(
        self, items: list[Outgoing], info: list[dict[str, Any]] | None = None
    ) -> list[RecordMetadata | BaseException]:
        """Send items, journal the acknowledged ones (one fsync); returns a result per item."""
        info = info or [{} for _ in items]
        async with self._sending():
            results = await self.sink.send_many(items)
            acked = [
                (item.raw.id, {**extra, "p": r.partition, "o": r.offset})
                for item, extra, r in zip(items, info, results, strict=True)
                if not isinstance(r, BaseException)
            ]
            self.journal.add_sent(acked)
        if time.monotonic() - self._last_checkpoint >= self.checkpoint_every:
            try:
                await self.checkpoint()
            except Exception as exc:  # noqa: BLE001 - Kafka away: keep the older checkpoint (only
                # the recovery scan after a crash starts earlier), and try again next interval.
                log.warning("journal checkpoint skipped, Kafka did not answer: %s: %s", type(exc).__name__, exc)
                self._last_checkpoint = time.monotonic()
        return results

    async def checkpoint(self) -> None:
        """Record wire.raw's end offsets at a moment when none of our sends is in flight."""
        async with self._cond:
            self._pausing = True
            try:
                await self._cond.wait_for(lambda: self._in_flight == 0)
                offsets = await end_offsets(self.sink.settings)
                self.journal.add_checkpoint(offsets)
                self._last_checkpoint = time.monotonic()
            finally:
                self._pausing = False
                self._cond.notify_all()

    async def close(self, clean: bool = True) -> None:
        if clean:
            try:
                await self.checkpoint()
            except Exception:  # noqa: BLE001 - Kafka gone: leave the journal unclean, it reconciles next time
                log.exception("final checkpoint failed; the next start reconciles with wire.raw")
                clean = False
        self.journal.close(clean)
