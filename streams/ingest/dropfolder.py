"""`wirestream ingest dir PATH`: a drop folder an agency's FTP/SFTP client writes into.

A file is picked up once it is complete: temporary and partial names are ignored (dotfiles,
``.tmp``, ``.part``, ``~`` ...), and a file must keep the same size, mtime and inode for
`settle` seconds (0 = trust the writer to write under a temporary name and rename). It is sent as
a `RawItem` whose id is derived from its name and content hash, and moved to ``processed/`` only
after Kafka acknowledged it and the journal recorded that. A file that can never be sent (larger
than WIRE_MAX_ITEM_BYTES, unreadable, refused by Kafka) gets a dead letter on ``wire.dlq``
(stage ``ingest``, `rejects.py`) and, once Kafka acknowledged the letter, moves to ``failed/``
with a ``.reason`` file naming the reason and the letter. State lives in ``PATH/.wirestream/``.

After SIGKILL at any point a restart sends nothing twice: an id in the journal is not sent again
(the file is just moved), and ids acknowledged but not yet journaled are recovered from
``wire.raw`` itself before anything is sent (`journal.py`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.errors import KafkaError

from ..models import DeadLetter, RawItem, stable_id
from ..normalise.errors import KAFKA_REFUSED, TOO_LARGE, UNREADABLE
from ..process_files import file_item_id
from ..settings import Settings
from . import hints
from .health import ProducerHealth
from .journal import JournaledSink, SentJournal
from .rejects import HEAD_BYTES, rejected, rejected_raw
from .sink import Outgoing, RawSink, is_refusal

log = logging.getLogger(__name__)

PROCESSED = "processed"
FAILED = "failed"
STATE = ".wirestream"
ONCE_MAX_ATTEMPTS = 5  # --once gives up on a file Kafka refused this many times (it stays in place)

_PARTIAL_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".filepart", ".crdownload", ".download", ".swp", ".lock", ".reason", "~")
_PARTIAL_PREFIXES = (".", "~$", "#")


def is_candidate_name(name: str) -> bool:
    """False for names writers use while a file is incomplete, hidden files and reason files."""
    lowered = name.lower()
    return bool(name) and not lowered.startswith(_PARTIAL_PREFIXES) and not lowered.endswith(_PARTIAL_SUFFIXES)


@dataclass(frozen=True)
class Signature:
    size: int
    mtime_ns: int
    inode: int


class SettleTracker:
    """Decides when a file is complete: unchanged (size, mtime, inode) for `settle` seconds."""

    def __init__(self, settle: float) -> None:
        self.settle = settle
        self._first_seen: dict[str, tuple[Signature, float]] = {}

    def ready(self, key: str, signature: Signature, now: float) -> bool:
        if self.settle <= 0:
            return True
        seen = self._first_seen.get(key)
        if seen is None or seen[0] != signature:
            self._first_seen[key] = (signature, now)
            return False
        return now - seen[1] >= self.settle

    def forget(self, key: str) -> None:
        self._first_seen.pop(key, None)

    def keep_only(self, keys: set[str]) -> None:
        for gone in set(self._first_seen) - keys:
            del self._first_seen[gone]


def scan(root: Path) -> Iterator[tuple[str, Path, os.stat_result]]:
    """(relative name, path, stat) of candidate files under root, skipping our own folders."""
    base = os.fspath(root)
    stack = [("", base)]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if not is_candidate_name(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not (prefix == "" and entry.name in (PROCESSED, FAILED)):
                        stack.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    yield f"{prefix}{entry.name}", Path(entry.path), entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone between listing and stat


def aside_path(root: Path, relative: str, into: str, item_id: str) -> Path:
    """Where root/relative goes under root/into (a short id suffix if that name is taken)."""
    dest = root / into / relative
    if dest.exists():
        dest = dest.with_name(f"{dest.stem}.{item_id[:8]}{dest.suffix}")
    return dest


def move_aside(root: Path, relative: str, into: str, item_id: str, dest: Path | None = None) -> Path:
    """Move root/relative to root/into/relative (or to `dest`, an `aside_path`)."""
    dest = dest or aside_path(root, relative, into, item_id)
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(root / relative, dest)
    return dest


@dataclass
class Counts:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    retried: int = 0
    gave_up: int = 0
    bytes: int = 0
    started: float = field(default_factory=time.monotonic)

    def summary(self) -> str:
        took = max(time.monotonic() - self.started, 1e-9)
        return (
            f"sent {self.sent} files ({self.bytes} bytes) in {took:.2f} s ({self.sent / took:.0f} files/s), "
            f"{self.already_sent} already sent, {self.failed} failed, {self.retried} retries"
            + (f", gave up on {self.gave_up} (left in place)" if self.gave_up else "")
        )


def _head_and_digest(path: Path) -> tuple[bytes, str, int]:
    """The first HEAD_BYTES of a file, the SHA-256 of all of it and its size (read in chunks)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            if size < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - size]
            digest.update(chunk)
            size += len(chunk)
    return head, digest.hexdigest(), size


class DropFolder:
    def __init__(
        self, settings: Settings, root: Path, *, source: str | None = None, settle: float | None = None,
        health: ProducerHealth | None = None,
    ) -> None:
        self.settings = settings
        self.root = root.resolve()
        self.source = source or f"dropfolder:{self.root.name}"
        self.tracker = SettleTracker(settings.ingest_settle if settle is None else settle)
        self.sink = RawSink(settings, "dir", health)
        journal = SentJournal(self.root / STATE / "journal.jsonl", settings.ingest_remember_days * 86400)
        self.out = JournaledSink(self.sink, journal, [self.source])
        self.counts = Counts()
        self.stopping = asyncio.Event()
        self._retry_at: dict[str, float] = {}
        self._attempts: dict[str, int] = {}

    async def run(self, once: bool = False) -> Counts:
        for name in (PROCESSED, FAILED):
            (self.root / name).mkdir(exist_ok=True)
        # Running for good: wait for a cluster that is away (not ready meanwhile); --once fails.
        if not await self.sink.start(retry=not once, stopping=self.stopping):
            await self.sink.stop()
            return self.counts
        clean = False
        try:
            await self.out.start()
            first: set[str] | None = None
            while not self.stopping.is_set():
                present, ready = self._ready_files()
                if first is None:
                    first = set(present)
                size = self.settings.ingest_batch
                for start in range(0, len(ready), size):
                    if self.stopping.is_set():
                        break
                    await self._handle(ready[start : start + size])
                if ready:
                    continue  # more may have arrived meanwhile: scan again at once
                if once:
                    waiting = first & set(present)
                    if not waiting:
                        break
                    if all(self._attempts.get(name, 0) >= ONCE_MAX_ATTEMPTS for name in waiting):
                        self.counts.gave_up = len(waiting)
                        log.error("giving up on %d files after %d failed sends each", len(waiting), ONCE_MAX_ATTEMPTS)
                        break
                try:
                    await asyncio.wait_for(self.stopping.wait(), self.settings.ingest_scan_interval)
                except TimeoutError:
                    pass
            clean = True
        finally:
            try:
                await self.out.close(clean=clean)
            finally:
                await self.sink.stop()
        return self.counts

    def _ready_files(self) -> tuple[list[str], list[tuple[str, Path, os.stat_result]]]:
        now = time.monotonic()
        present, ready = [], []
        for relative, path, st in scan(self.root):
            present.append(relative)
            if self._retry_at.get(relative, 0.0) > now:
                continue
            if self.tracker.ready(relative, Signature(st.st_size, st.st_mtime_ns, st.st_ino), now):
                ready.append((relative, path, st))
        self.tracker.keep_only(set(present))
        return present, ready

    async def _handle(self, ready: list[tuple[str, Path, os.stat_result]]) -> None:
        batch: list[Outgoing] = []
        info: list[dict[str, str]] = []
        for relative, path, st in ready:
            if st.st_size > self.settings.max_item_bytes:
                await self._too_large(relative, path, st)
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                self.tracker.forget(relative)  # taken away by its writer: nothing to send
                continue
            except OSError as exc:
                problem = f"cannot read the file: {exc.strerror or exc}"
                await self._reject(relative, lambda where, problem=problem, st=st: rejected(
                    self.settings, reason=UNREADABLE, message=f"{problem}; the file is in {where}", head=b"",
                    size=st.st_size, source=self.source, raw_id=None, key=f"{relative}\x1f{st.st_size}\x1f{st.st_mtime_ns}",
                ))
                continue
            digest = hashlib.sha256(data).hexdigest()
            item_id = file_item_id(relative, digest)
            if self.out.is_sent(item_id):
                # Acknowledged before (a crash came before the move, or the same file was dropped
                # again): the same name and bytes are the same item, so it is not sent twice.
                self._done(relative, item_id)
                self.counts.already_sent += 1
                continue
            hint, content_type = hints.for_filename(relative)
            raw = RawItem.from_bytes(
                data, id=item_id, source=self.source, format_hint=hint, filename=relative, content_type=content_type
            )
            batch.append(Outgoing(raw, source_id=relative))
            info.append({"name": relative, "sha256": digest})
        if not batch:
            return
        results = await self.out.send_batch(batch, info)
        for item, result in zip(batch, results, strict=True):
            relative = item.source_id
            if not isinstance(result, BaseException):
                self._done(relative, item.raw.id)
                self.counts.sent += 1
                self.counts.bytes += len(item.raw.payload)
            elif is_refusal(result):
                problem = f"Kafka refused the record: {type(result).__name__}: {result}"
                await self._reject(relative, lambda where, problem=problem, raw=item.raw: rejected_raw(
                    self.settings, raw, reason=KAFKA_REFUSED, message=f"{problem}; the file is in {where}",
                ))
            else:
                self._retry_later(relative, result)

    async def _too_large(self, relative: str, path: Path, st: os.stat_result) -> None:
        try:
            head, digest, size = await asyncio.to_thread(_head_and_digest, path)
        except FileNotFoundError:
            self.tracker.forget(relative)
            return
        except OSError:
            head, digest, size = b"", None, st.st_size
        hint, _ = hints.for_filename(relative)
        await self._reject(relative, lambda where: rejected(
            self.settings, reason=TOO_LARGE,
            message=(f"{size} bytes > WIRE_MAX_ITEM_BYTES ({self.settings.max_item_bytes}); the file is in {where}: "
                     "raise the limit, then move it back into the drop folder"),
            head=head, size=size, source=self.source, raw_id=file_item_id(relative, digest) if digest else None,
            format_hint=hint, key=f"{relative}\x1f{size}\x1f{st.st_mtime_ns}",
        ))

    def _done(self, relative: str, item_id: str) -> None:
        move_aside(self.root, relative, PROCESSED, item_id)
        self.tracker.forget(relative)
        self._retry_at.pop(relative, None)
        self._attempts.pop(relative, None)

    async def _reject(self, relative: str, letter_for: Callable[[str], DeadLetter]) -> None:
        """Dead-letter a file that can never be sent, then move it to failed/ with a reason file.

        `letter_for(where)` makes the letter, `where` being the file's path in failed/. The file
        moves only after Kafka acknowledged the letter: while Kafka is away it stays where it is
        and is tried again like a failed send.
        """
        dest = aside_path(self.root, relative, FAILED, stable_id("failed", relative, str(time.time())))
        letter = letter_for(dest.relative_to(self.root).as_posix())
        try:
            await self.sink.send_dead_letter(letter)
        except Exception as exc:  # noqa: BLE001 - Kafka away or slow: keep the file, retry later
            self._retry_later(relative, exc)
            return
        self._fail(relative, letter.reason, f"{letter.message} [dead letter {letter.id} on {self.sink.dlq_topic}]", dest)

    def _fail(self, relative: str, reason: str, message: str, dest: Path | None = None) -> None:
        log.warning("%s: %s (%s): moved to %s/", relative, reason, message, FAILED)
        dest = move_aside(self.root, relative, FAILED, stable_id("failed", relative, str(time.time())), dest)
        dest.with_name(dest.name + ".reason").write_text(f"{reason}: {message}\n", encoding="utf-8")
        self.sink.metrics.ingest_rejected.labels("dir", reason).inc()
        self.tracker.forget(relative)
        self._retry_at.pop(relative, None)
        self._attempts.pop(relative, None)
        self.counts.failed += 1

    def _retry_later(self, relative: str, error: BaseException) -> None:
        attempts = self._attempts.get(relative, 0) + 1
        self._attempts[relative] = attempts
        delay = min(60.0, 0.5 * 2 ** min(attempts, 8))
        self._retry_at[relative] = time.monotonic() + delay
        self.counts.retried += 1
        self.sink.metrics.ingest_retries.labels("dir").inc()
        level = logging.WARNING if isinstance(error, KafkaError | TimeoutError) else logging.ERROR
        log.log(level, "%s: send failed (%s: %s); retry %d in %.1f s", relative, type(error).__name__, error, attempts, delay)
