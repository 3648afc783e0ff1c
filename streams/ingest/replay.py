"""`wirestream ingest replay PATH...`: backfills from files, folders, JSON lines and dead letters.

What each path holds is read from its first non-empty line:

- JSON lines of `RawItem` envelopes: sent as they are (same ids, so their events keep their ids);
- JSON lines of `DeadLetter` records (as ``wirestream process --dlq`` and the wire.dlq topic
  write them): the original bytes are sent again under the item's raw id, with
  ``wire-replay-of`` naming the dead letter;
- anything else: the file is one wire item (id from its name and content, as the drop folder and
  ``wirestream process`` give it). Folders are read recursively in sorted order.

Items go out in windows of concurrent sends, optionally at most `--rate` per second, with a rich
progress bar and a summary. With ``--journal FILE`` a re-run skips what an earlier run sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..envelope import ENVELOPE_KEYS
from ..models import DeadLetter, RawItem
from ..process_files import expand
from ..settings import Settings
from . import hints
from ..process_files import file_item_id
from .feeds import HEADER_ENTRY_ID
from .health import ProducerHealth
from .journal import JournaledSink, SentJournal
from .sink import Outgoing, RawSink

HEADER_REPLAY_OF = "wire-replay-of"
DEAD_LETTER_KEYS = frozenset({"stage", "reason", "original", "failed_at"})
WINDOW = 500


class RateLimiter:
    """Spaces out sends so that at most `rate` items go per second (None: no limit).

    `delay(n, now)` is the wait before n more items may go; it books them, so calls in sequence
    never exceed the rate over any span longer than one window.
    """

    def __init__(self, rate: float | None) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._next_free: float | None = None

    def delay(self, n: int, now: float) -> float:
        if self.rate is None or n <= 0:
            return 0.0
        start = now if self._next_free is None else max(self._next_free, now)
        self._next_free = start + n / self.rate
        return start - now

    def window(self) -> int:
        """Items per send window: small enough that the rate is smooth (4 windows a second)."""
        return WINDOW if self.rate is None else max(1, min(WINDOW, int(self.rate / 4)))


@dataclass
class Problem:
    where: str
    message: str


@dataclass
class ReplayCounts:
    total: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def summary(self) -> str:
        took = max(self.seconds, 1e-9)
        return (
            f"replayed {self.sent} of {self.total} items ({self.bytes} bytes) in {took:.2f} s "
            f"({self.sent / took:.0f} items/s): {self.skipped} already sent, {self.failed} failed, "
            f"{len(self.problems)} unreadable"
        )


def _kind(path: Path) -> str:
    """'raw' (RawItem lines), 'dlq' (DeadLetter lines) or 'file' (one item)."""
    try:
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    break
            else:
                return "file"
    except OSError:
        return "file"
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "file"
    if isinstance(doc, dict):
        if ENVELOPE_KEYS <= doc.keys():
            return "raw"
        if DEAD_LETTER_KEYS <= doc.keys():
            return "dlq"
    return "file"


def count_items(paths: list[Path]) -> int:
    total = 0
    for path in expand(paths):
        if _kind(path) == "file":
            total += 1
        else:
            with path.open("rb") as fh:
                total += sum(1 for line in fh if line.strip())
    return total


def _unreplayable(dead: DeadLetter) -> str:
    if dead.stage == "ingest":
        return "an ingest dead letter holds at most the first bytes of its input: resend the input from where its message says it is"
    if not dead.replayable():
        return f"a {dead.stage}-stage dead letter holds a canonical item, not raw input: not replayed"
    return "the dead letter's envelope was unreadable (no raw id or source): use `wirestream replay-dlq`"


def _outgoing(raw: RawItem, extra: dict[str, str] | None = None) -> Outgoing:
    source_id = raw.headers.get(HEADER_ENTRY_ID) or raw.filename or raw.id
    return Outgoing(raw, source_id=source_id, headers=extra)


def iter_items(
    paths: list[Path], *, source: str, force_format: str | None, problems: list[Problem]
) -> Iterator[Outgoing]:
    """Every item under the given paths, in order; unreadable lines are noted in `problems`."""
    for path in expand(paths):
        kind = _kind(path)
        if kind == "file":
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))
                continue
            hint, content_type = hints.for_filename(path.name)
            raw = RawItem.from_bytes(
                data,
                id=file_item_id(path.name, hashlib.sha256(data).hexdigest()),
                source=source,
                format_hint=force_format or hint,
                filename=path.name,
                content_type=content_type,
            )
            yield _outgoing(raw)
            continue
        with path.open("rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    if kind == "raw":
                        raw = RawItem.model_validate(orjson.loads(line))
                        extra = None
                    else:
                        dead = DeadLetter.model_validate(orjson.loads(line))
                        extra = {HEADER_REPLAY_OF: dead.id}
                        raw = dead.as_raw_item(extra)
                        if raw is None:
                            problems.append(Problem(f"{path}:{number}", _unreplayable(dead)))
                            continue
                except (orjson.JSONDecodeError, ValidationError) as exc:
                    first = exc.errors()[0] if isinstance(exc, ValidationError) else None
                    message = f"{'.'.join(map(str, first['loc']))}: {first['msg']}" if first else f"invalid JSON: {exc}"
                    problems.append(Problem(f"{path}:{number}", message))
                    continue
                if force_format:
                    raw = raw.model_copy(update={"format_hint": force_format})
                yield _outgoing(raw, extra)


def make_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]replay"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]:>7.0f}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


async def replay(
    settings: Settings,
    paths: list[Path],
    *,
    source: str = "replay",
    force_format: str | None = None,
    rate: float | None = None,
    console: Console | None = None,
    show_progress: bool = True,
    journal_path: Path | None = None,
    health: ProducerHealth | None = None,
) -> ReplayCounts:
    counts = ReplayCounts()
    counts.total = count_items(paths)
    limiter = RateLimiter(rate)
    sink = RawSink(settings, "replay", health)
    await sink.start()
    out = JournaledSink(sink, SentJournal(journal_path, settings.ingest_remember_days * 86400), None) if journal_path else None
    console = console or Console(stderr=True)
    progress = make_progress(console) if show_progress else None
    clean = False
    try:
        if out:
            await out.start()
        if progress:
            progress.start()
        task = progress.add_task("replay", total=counts.total, rate=0.0) if progress else None
        window: list[Outgoing] = []

        async def flush() -> None:
            wait = limiter.delay(len(window), time.monotonic())
            if wait > 0:
                await asyncio.sleep(wait)
            results = await (out.send_batch(window) if out else sink.send_many(window))
            for item, result in zip(window, results, strict=True):
                if isinstance(result, BaseException):
                    counts.failed += 1
                    counts.problems.append(Problem(item.raw.id, f"send failed: {type(result).__name__}: {result}"))
                else:
                    counts.sent += 1
                    counts.bytes += len(item.raw.payload)
            window.clear()
            show()

        def show() -> None:
            if progress is not None and task is not None:
                done = counts.sent + counts.skipped + counts.failed + len(counts.problems)
                progress.update(task, completed=done, rate=counts.sent / max(counts.seconds, 1e-9))

        size = limiter.window()
        for item in iter_items(paths, source=source, force_format=force_format, problems=counts.problems):
            if out and out.is_sent(item.raw.id):
                counts.skipped += 1
                continue
            window.append(item)
            if len(window) >= size:
                await flush()
        if window:
            await flush()
        counts.finished = time.monotonic()
        show()
        clean = True
    finally:
        if progress:
            progress.stop()
        try:
            if out:
                await out.close(clean=clean)
        finally:
            await sink.stop()
    return counts
