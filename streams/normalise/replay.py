"""`wirestream replay-dlq`: dead letters back to ``wire.raw`` after a fix, as their original RawItems.

The pure part (reading, filtering, rebuilding) is plain functions; the Kafka part reads ``wire.dlq``
from the beginning up to the end offsets it found at start (no consumer group, nothing committed)
and writes with the project's idempotent producer. A rebuilt RawItem has the same id, source,
received_at and bytes as the first delivery, so everything it produces carries the same ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson
from pydantic import ValidationError

from ..models import DeadLetter, to_json, utcnow
from ..settings import Settings, parse_duration
from .errors import REASONS
from .timezones import parse_iso

HEADER_REPLAYED_FROM = "wire-replayed-from"
HEADER_REPLAY_REASON = "wire-replay-reason"


@dataclass(frozen=True)
class Selection:
    since: datetime | None = None
    reasons: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()

    def accepts(self, letter: DeadLetter) -> bool:
        if self.reasons and letter.reason not in self.reasons:
            return False
        if self.stages and letter.stage not in self.stages:
            return False
        return self.since is None or letter.failed_at >= self.since


@dataclass
class Tally:
    read: int = 0
    selected: int = 0
    sent: int = 0
    skipped: int = 0
    unreadable: int = 0
    notes: list[str] = field(default_factory=list)


def parse_since(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """'2h', '7d', '90m' (ago) or an ISO time."""
    if not value:
        return None
    try:
        return (now or utcnow()) - parse_duration(value)
    except ValueError:
        pass
    when = parse_iso(value)
    if when is None:
        raise click.BadParameter(f"{value!r} is neither a duration (2h, 7d) nor an ISO time", param_hint="--since")
    return when.astimezone(UTC)


def letters_from_lines(lines: Iterable[bytes], tally: Tally) -> Iterator[DeadLetter]:
    """DeadLetters from JSON lines (a `process --dlq` dump, or wire.dlq record values)."""
    for line in lines:
        if not line or not line.strip():
            continue
        tally.read += 1
        try:
            yield DeadLetter.model_validate(orjson.loads(line))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            tally.unreadable += 1
            tally.notes.append(f"unreadable dead letter: {str(exc).splitlines()[0][:120]}")


def rebuild(letter: DeadLetter) -> tuple[bytes | None, bytes] | None:
    """The wire.raw record (key, value) that reproduces the letter's input, or None when the
    letter cannot go back to wire.raw (a dedup/tag letter holds a canonical item, not raw input)."""
    if not letter.replayable():
        return None
    where = letter.kafka or {}
    origin = f"{where.get('topic')}:{where.get('partition')}:{where.get('offset')}" if where else "file"
    raw = letter.as_raw_item({HEADER_REPLAYED_FROM: origin, HEADER_REPLAY_REASON: letter.reason})
    if raw is None:
        # The envelope itself was unreadable: resend the record's bytes as they were.
        return None, letter.original_bytes()
    return f"{raw.source}:{raw.id}".encode(), to_json(raw)


def plan(letters: Iterable[DeadLetter], selection: Selection, tally: Tally) -> list[tuple[DeadLetter, tuple[bytes | None, bytes]]]:
    out = []
    for letter in letters:
        if not selection.accepts(letter):
            continue
        tally.selected += 1
        record = rebuild(letter)
        if record is None:
            tally.skipped += 1
            continue
        out.append((letter, record))
    return out


# --------------------------------------------------------------------------- Kafka


async def read_dlq(settings: Settings) -> list[bytes]:
    """Every record value of wire.dlq up to its end offsets at the time of the call."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.structs import TopicPartition

    from ..kafka_clients import client_kwargs, consumer
    from ..topics import DLQ

    topic = settings.topic(DLQ)
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    ids = sorted(p["partition"] for d in described if d.get("topic") == topic for p in d.get("partitions", []))
    tps = [TopicPartition(topic, p) for p in ids]
    if not tps:
        return []
    cons = consumer(settings, group_id=None)
    await cons.start()
    try:
        cons.assign(tps)
        await cons.seek_to_beginning(*tps)
        end = await cons.end_offsets(tps)
        values: list[bytes] = []
        pending = {tp for tp in tps if end[tp] > 0}
        while pending:
            batch = await cons.getmany(*pending, timeout_ms=1000)
            for tp, records in batch.items():
                values.extend(r.value for r in records if r.offset < end[tp] and r.value is not None)
            for tp in list(pending):
                if await cons.position(tp) >= end[tp]:
                    pending.discard(tp)
        return values
    finally:
        await cons.stop()


async def send_raw(settings: Settings, records: list[tuple[bytes | None, bytes]]) -> int:
    from ..kafka_clients import producer
    from ..topics import RAW

    prod = producer(settings)
    await prod.start()
    try:
        for key, value in records:
            await prod.send_and_wait(settings.topic(RAW), value, key=key)
    finally:
        await prod.stop()
    return len(records)


# --------------------------------------------------------------------------- command


@click.command("replay-dlq")
@click.option("--file", "dump", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read dead letters from this JSON-lines dump (`wirestream process --dlq`) instead of wire.dlq.")
@click.option("--since", default=None, help="Only letters that failed within this duration (2h, 7d) or since this ISO time.")
@click.option("--reason", "reasons", multiple=True, help="Only these reason codes (repeatable).")
@click.option("--stage", "stages", multiple=True, help="Only letters of these stages (repeatable).")
@click.option("--dry-run", is_flag=True, help="List what would be sent; send nothing.")
def replay_dlq(dump: Path | None, since: str | None, reasons: tuple[str, ...], stages: tuple[str, ...], dry_run: bool) -> None:
    """Send dead letters back to wire.raw after a fix (see docs/dead-letters.md).

    Each letter becomes its original RawItem again (same id, source, received_at and bytes),
    so the redelivered item can be traced to the first delivery. Only normalise-stage letters can
    go back to wire.raw; others are counted as skipped.
    """
    from ..cli import _settings, resolve_bootstrap

    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise click.BadParameter(f"unknown reason code(s) {', '.join(unknown)}; see docs/dead-letters.md", param_hint="--reason")
    selection = Selection(parse_since(since), frozenset(reasons), frozenset(stages))
    settings = _settings()
    tally = Tally()
    if dump is not None:
        with dump.open("rb") as fh:
            chosen = plan(letters_from_lines(fh, tally), selection, tally)
    else:
        bootstrap, _ = resolve_bootstrap(settings, start=False)
        settings = settings.model_copy(update={"kafka_bootstrap": bootstrap})
        values = asyncio.run(read_dlq(settings))
        chosen = plan(letters_from_lines(values, tally), selection, tally)
    for letter, _ in chosen:
        click.echo(f"{'would send' if dry_run else 'send'} {letter.raw_id or letter.id} {letter.stage}/{letter.reason} source={letter.source}")
    if chosen and not dry_run:
        if settings.kafka_bootstrap is None:
            bootstrap, _ = resolve_bootstrap(settings, start=False)
            settings = settings.model_copy(update={"kafka_bootstrap": bootstrap})
        tally.sent = asyncio.run(send_raw(settings, [record for _, record in chosen]))
    for note in tally.notes[:20]:
        click.echo(note, err=True)
    click.echo(
        f"dead letters read {tally.read}, selected {tally.selected}, "
        f"{'would send' if dry_run else 'sent'} {len(chosen) if dry_run else tally.sent}, "
        f"skipped {tally.skipped} (not replayable to wire.raw), unreadable {tally.unreadable}",
        err=True,
    )
