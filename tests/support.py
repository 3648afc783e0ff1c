"""Shared test helpers: the seed story's expectations and a worker process on the real broker."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from streams.kafka_clients import consumer, ensure_topics, producer
from streams.models import EnrichedEvent, RawItem, to_json
from streams.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed" / "000_151a3f9044382b47.txt"


def assert_seed_event(event: EnrichedEvent) -> None:
    """What the foundation issue asks of the seed's enriched event."""
    assert event.source.agency == "Reuters"
    assert event.dateline is not None and event.dateline.place == "WASHINGTON"
    assert event.versioncreated == datetime(2025, 12, 6, 2, 48, tzinfo=UTC)
    body = event.body_text
    assert body.startswith("WASHINGTON, Dec 5 (Reuters)")
    assert "elements within the Cuban regime" in body
    assert body.rstrip().endswith("Cartel de los Soles as a foreign terrorist group.")
    for clutter in ("Top Articles", "ACCESS RANKING", "Arctic Sees", "Optical Lattice Clock", "gestures as he speaks"):
        assert clutter not in body
    captions = [a.description_text or "" for a in event.associations.values()]
    assert any("gestures as he speaks" in c for c in captions)
    assert event.headline.strip() and "headline" in event.derived
    assert {"VE", "US", "CU"} <= {t.code for t in event.tags.places}
    assert "venezuela-us-pressure" in {t.code for t in event.tags.storylines}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningWorker:
    settings: Settings
    proc: subprocess.Popen
    log: Path
    metrics_port: int

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def isolated_settings(bootstrap: str, **overrides) -> Settings:
    """Settings with a topic prefix and consumer group of their own: tests never share state."""
    run = uuid.uuid4().hex[:8]
    values = {"kafka_bootstrap": bootstrap, "topic_prefix": f"t{run}.", "app_id": f"wirestream-test-{run}"}
    values.update(overrides)
    return Settings(**values)


@contextlib.contextmanager
def worker_process(settings: Settings, workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[RunningWorker]:
    asyncio.run(ensure_topics(settings))
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "WIRE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "WIRE_TOPIC_PREFIX": settings.topic_prefix,
            "WIRE_APP_ID": settings.app_id,
            "WIRE_PARTITIONS": str(settings.partitions),
            "WIRE_DATA_DIR": str(workdir / "data"),
            "WIRE_METRICS_PORT": str(port),
            "WIRE_PROCESSING_GUARANTEE": settings.processing_guarantee,
        }
    )
    env.update(extra_env or {})
    log = workdir / f"worker-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker", "--no-create-topics"],
            env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield RunningWorker(settings, proc, log, port)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def produce(settings: Settings, topic: str, records: list[tuple[bytes | None, bytes]], headers=None) -> None:
    prod = producer(settings)
    await prod.start()
    try:
        for key, value in records:
            await prod.send_and_wait(settings.topic(topic), value, key=key, headers=headers)
    finally:
        await prod.stop()


async def consume_until(
    settings: Settings, topics: list[str], done, timeout: float = 90.0, worker: RunningWorker | None = None,
    *, committed_only: bool = False,
):
    """Read the given topics from the start until done(records) is true; returns {topic: [values]}.

    committed_only reads with isolation read_committed: records of aborted transactions are skipped.
    """
    isolation = "read_committed" if committed_only else "read_uncommitted"
    cons = consumer(settings, *(settings.topic(t) for t in topics), group_id=None, isolation_level=isolation)
    await cons.start()
    got: dict[str, list[bytes]] = {t: [] for t in topics}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while not done(got):
            if loop.time() > deadline:
                tail = worker.log_tail() if worker else ""
                raise AssertionError(f"timed out; got { {k: len(v) for k, v in got.items()} }\n{tail}")
            if worker and worker.proc.poll() is not None:
                raise AssertionError(f"worker died ({worker.proc.returncode}):\n{worker.log_tail()}")
            batch = await cons.getmany(timeout_ms=500)
            for tp, recs in batch.items():
                name = tp.topic[len(settings.topic_prefix):]
                got[name].extend(r.value for r in recs)
        return got
    finally:
        await cons.stop()


def raw_envelope(data: bytes, **kw) -> tuple[bytes, bytes]:
    raw = RawItem.from_bytes(data, source=kw.pop("source", "test"), **kw)
    return f"{raw.source}:{raw.id}".encode(), to_json(raw)


def loads(value: bytes):
    return orjson.loads(value)
