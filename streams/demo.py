"""`wirestream demo`: the whole pipeline on the embedded default, with the bundled samples.

Each run uses its own topic prefix and consumer group, so a demo never collides with a
previous one (or with production topics on a shared cluster), and deletes its topics at the end.
Whatever the demo started (worker, local broker) it stops, by pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import uuid
from importlib import resources
from pathlib import Path

import click
import orjson

from . import topics as T
from .kafka_clients import consumer, delete_topics, ensure_topics, list_topics, producer
from .models import DeadLetter, EnrichedEvent, RawItem, stable_id, to_json
from .localkafka.config import free_port
from .settings import Settings
from .worker_process import spawned_worker, tail, worker_env

SAMPLES_PACKAGE = "streams.samples"


def sample_files() -> list[tuple[str, bytes]]:
    """The bundled sample items (name, bytes), in a fixed order."""
    root = resources.files(SAMPLES_PACKAGE)
    return [
        (entry.name, entry.read_bytes())
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.is_file() and not entry.name.startswith(("_", ".")) and entry.name != "SOURCES.md"
    ]


def sample_raw_items(run_id: str) -> list[RawItem]:
    return [
        RawItem.from_bytes(data, id=stable_id("demo", run_id, name), source="demo", filename=name)
        for name, data in sample_files()
    ]


def describe(event: EnrichedEvent) -> str:
    """One line per event for people: decision, attribution, time, headline, tags."""
    status = event.dedup.status.value
    if event.dedup.similarity is not None and event.dedup.status.value != "new":
        status += f" {event.dedup.similarity:.2f}"
    if event.dedup.duplicate_of:
        status += f" of {event.dedup.duplicate_of}"
    where = " ".join(
        part
        for part in (
            event.source.agency,
            event.dateline.place if event.dateline else event.located,
            event.versioncreated.strftime("%Y-%m-%dT%H:%MZ") if event.versioncreated else None,
        )
        if part
    )
    places = ",".join(t.code for t in event.tags.places) or "-"
    storylines = ",".join(t.code for t in event.tags.storylines) or "-"
    return f"[{status}] {where} | {event.headline[:90]!r} | places {places} | storylines {storylines}"


async def _run(settings: Settings, workdir: Path, once: bool, as_json: bool, timeout: float, run_id: str) -> int:
    await ensure_topics(settings)
    metrics_port = free_port()
    samples = sample_raw_items(run_id)
    pending = {raw.id for raw in samples}
    out_topics = [settings.topic(T.ENRICHED), settings.topic(T.DUPLICATES), settings.topic(T.DLQ)]
    env = worker_env(settings, workdir, metrics_port=metrics_port)
    with spawned_worker(env, workdir / "worker.log", stop_timeout=20.0) as proc:
        click.echo(f"metrics: http://127.0.0.1:{metrics_port}/metrics", err=True)
        click.echo(f"topics: {', '.join(out_topics)}", err=True)
        cons = consumer(settings, *out_topics, group_id=None)
        await cons.start()
        prod = producer(settings, compression_type="zstd")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            await prod.start()
            # Paced like a live feed: each sample goes out once the previous one came out, so
            # "first seen" (which copy of a story is new, which a duplicate) is the file order.
            for raw in samples:
                await prod.send_and_wait(settings.topic(T.RAW), to_json(raw), key=f"{raw.source}:{raw.id}".encode())
                while raw.id in pending:
                    failure = _failure(proc, workdir, loop.time() > deadline, timeout, len(pending), len(samples))
                    if failure:
                        click.echo(failure, err=True)
                        return 1
                    await _drain(cons, settings, pending, as_json)
            click.echo(f"all {len(samples)} samples came out", err=True)
            while not once:
                if proc.poll() is not None:
                    click.echo(_failure(proc, workdir, False, timeout, 0, len(samples)), err=True)
                    return 2
                await _drain(cons, settings, pending, as_json)
            return 0
        finally:
            await prod.stop()
            await cons.stop()


def _failure(proc: subprocess.Popen, workdir: Path, late: bool, timeout: float, pending: int, total: int) -> str | None:
    if proc.poll() is not None:
        return f"worker exited with {proc.returncode}:\n{tail(workdir / 'worker.log')}"
    if late:
        return (
            f"timed out after {timeout:.0f} s: {pending} of {total} samples did not come out; "
            f"worker log (tail):\n{tail(workdir / 'worker.log')}"
        )
    return None


async def _drain(cons, settings: Settings, pending: set[str], as_json: bool) -> None:
    """Print what arrived on the output topics and tick off the samples it accounts for."""
    batch = await cons.getmany(timeout_ms=500)
    for tp, records in batch.items():
        for record in records:
            if tp.topic == settings.topic(T.DLQ):
                dead = DeadLetter.model_validate(orjson.loads(record.value))
                pending.discard(dead.raw_id)
                line = f"[dead letter] {dead.stage}/{dead.reason}: {dead.message}"
            else:
                event = EnrichedEvent.model_validate(orjson.loads(record.value))
                pending.discard(event.raw_id)
                line = describe(event)
            click.echo(record.value.decode() if as_json else line)


def run_demo(settings: Settings, *, once: bool, as_json: bool, timeout: float) -> int:
    from .cli import resolve_bootstrap

    run_id = uuid.uuid4().hex[:8]
    bootstrap, started = resolve_bootstrap(settings, start=True)
    settings = settings.model_copy(
        update={
            "kafka_bootstrap": bootstrap,
            "topic_prefix": f"{settings.topic_prefix}demo-{run_id}.",
            "app_id": f"{settings.app_id}-demo-{run_id}",
        }
    )
    click.echo(f"Kafka: {bootstrap}{' (local broker started)' if started else ''}", err=True)
    workdir = Path(tempfile.mkdtemp(prefix="wirestream-demo-"))
    try:
        return asyncio.run(_run(settings, workdir, once, as_json, timeout, run_id))
    except KeyboardInterrupt:
        return 0
    finally:
        with contextlib.suppress(Exception):
            asyncio.run(_cleanup_topics(settings))
        if started:
            from .cli import _local_kafka

            _local_kafka(settings).stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def _cleanup_topics(settings: Settings) -> None:
    names = await list_topics(settings)
    ours = [n for n in names if n.startswith(settings.topic_prefix) or n.startswith(f"{settings.app_id}-")]
    await delete_topics(settings, ours)
