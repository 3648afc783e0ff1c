"""Shared test helpers: the seed story's expectations and a worker process on the real broker."""

from __future__ import annotations

import asyncio
import contextlib
import collections
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from streams.kafka_clients import consumer, ensure_topics, producer
from streams.models import EnrichedEvent, RawItem, to_json
from streams.localkafka.config import free_port
from streams.settings import Settings
from streams.worker_process import spawned_worker, worker_env

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
    env = worker_env(settings, workdir, metrics_port=port, **(extra_env or {}))
    log = workdir / f"worker-{uuid.uuid4().hex[:6]}.log"
    with spawned_worker(env, log) as proc:
        yield RunningWorker(settings, proc, log, port)


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


# -- delivery reconciliation and consumer-group lag (fault and load tests) ----------------------

OUTPUT_TOPICS = ("wire.enriched", "wire.duplicates", "wire.dlq")
CONSUMED_TOPICS = ("wire.raw", "wire.normalised", "wire.deduplicated")


def output_ids(got: dict[str, list[bytes]]) -> dict[str, collections.Counter[str]]:
    """{output topic: Counter of input ids}: an event's raw_id, or a dead letter's raw_id (its
    Kafka position when it has none: a record that is not even a valid envelope)."""
    seen: dict[str, collections.Counter[str]] = {topic: collections.Counter() for topic in got}
    for topic, values in got.items():
        for value in values:
            doc = orjson.loads(value)
            rid = doc.get("raw_id")
            if rid is None and doc.get("kafka"):
                k = doc["kafka"]
                rid = f"{k['topic']}:{k['partition']}:{k['offset']}"
            seen[topic][rid] += 1
    return seen


@dataclass
class Reconciliation:
    missing: set[str]
    repeats: int  # outputs beyond the first per input id
    in_two_topics: set[str]
    per_topic: dict[str, int]

    def summary(self) -> str:
        return f"missing={len(self.missing)} repeats={self.repeats} in_two_topics={len(self.in_two_topics)} {self.per_topic}"


def reconcile(wanted: set[str], got: dict[str, list[bytes]]) -> Reconciliation:
    seen = output_ids(got)
    total: collections.Counter[str] = collections.Counter()
    where: dict[str, set[str]] = {}
    for topic, counter in seen.items():
        total.update(counter)
        for rid in counter:
            where.setdefault(rid, set()).add(topic)
    return Reconciliation(
        missing=wanted - total.keys(),
        repeats=sum(n - 1 for n in total.values()),
        in_two_topics={rid for rid, topics in where.items() if len(topics) > 1},
        per_topic={topic: len(values) for topic, values in got.items()},
    )


async def _group_committed(settings: Settings) -> dict:
    """The worker group's committed offsets, by partition (admin API)."""
    from aiokafka.admin import AIOKafkaAdminClient

    from streams.kafka_clients import client_kwargs

    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        return await admin.list_consumer_group_offsets(settings.app_id)
    finally:
        await admin.close()


async def group_lag(settings: Settings, topics=CONSUMED_TOPICS, timeout: float = 20.0) -> dict[str, int]:
    """Records of the worker group not yet committed, per consumed topic, read from the broker.

    Committed offsets (admin) against what a read_committed reader finds after them: a plain
    end-minus-committed would count the marker that ends each transaction as lag.
    """
    from aiokafka.structs import TopicPartition

    committed = await _group_committed(settings)
    tps = [TopicPartition(settings.topic(t), p) for t in topics for p in range(settings.partitions)]
    reader = consumer(settings, group_id=None, isolation_level="read_committed")
    await reader.start()
    try:
        reader.assign(tps)
        ends = await reader.end_offsets(tps)
        lag = {t: 0 for t in topics}
        pending = []
        for tp in tps:
            meta = committed.get(tp)
            start = meta.offset if meta is not None and meta.offset >= 0 else 0
            if ends[tp] > start:
                reader.seek(tp, start)
                pending.append(tp)
            else:
                reader.pause(tp)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while pending and loop.time() < deadline:
            batch = await reader.getmany(*pending, timeout_ms=300)
            for tp, recs in batch.items():
                lag[tp.topic[len(settings.topic_prefix):]] += sum(1 for r in recs if r.offset < ends[tp])
            pending = [tp for tp in pending if await reader.position(tp) < ends[tp]]
        for tp in pending:  # not read through in time: count what is left as lag
            lag[tp.topic[len(settings.topic_prefix):]] += ends[tp] - await reader.position(tp)
        return lag
    finally:
        await reader.stop()


async def wait_for_zero_lag(settings: Settings, timeout: float = 60.0, worker: RunningWorker | None = None) -> float:
    """Seconds until the group has committed everything it consumed; raises when it does not."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    lag: dict[str, int] = {}
    while loop.time() - start < timeout:
        if worker and worker.proc.poll() is not None:
            raise AssertionError(f"worker died ({worker.proc.returncode}):\n{worker.log_tail()}")
        lag = await group_lag(settings)
        if not any(lag.values()):
            return loop.time() - start
        await asyncio.sleep(1.0)
    raise AssertionError(f"committed offsets stuck behind the end for {timeout} s: {lag}")


# How a worker stops itself for its supervisor (systemd, Kubernetes) to restart it
# (streams/faust_app.py): rather than commit past a record Faust fetched but never handed to an
# agent (faust#596), or when a commit is stuck.
SELF_STOPS = ("uncommittable records", "commit stalled")


def stopped_itself(worker: RunningWorker) -> bool:
    text = worker.log.read_text(errors="replace")
    return worker.proc.poll() is not None and any(reason in text for reason in SELF_STOPS)


@contextlib.contextmanager
def supervised_worker(
    settings: Settings, workdir: Path, topics, done, *, committed_only: bool,
    worker: RunningWorker | None = None, restarts: int = 8, timeout: float = 240.0,
    zero_lag: bool = False, wanted: set[str] | None = None,
) -> Iterator[tuple[RunningWorker, dict[str, list[bytes]], int]]:
    """A worker run until consume_until(done) (and, with `zero_lag`, until its group has no lag),
    replaced by a new one whenever it stopped itself (SELF_STOPS), as systemd or Kubernetes
    would. Yields (the running worker, the outputs, how many workers stopped themselves); the
    workers it started are stopped on leaving. `worker`: one the caller started and stops. A
    timeout with `wanted` given says where each missing input stands."""
    refusals = 0
    for _ in range(restarts):
        with contextlib.ExitStack() as stack:
            if worker is None:
                worker = stack.enter_context(worker_process(settings, workdir))
            try:
                got = asyncio.run(
                    consume_until(settings, topics, done, timeout=timeout, worker=worker, committed_only=committed_only)
                )
                if zero_lag:
                    asyncio.run(wait_for_zero_lag(settings, timeout=90, worker=worker))
            except AssertionError:
                if worker.proc.poll() is None and wanted is not None:  # timed out: say where the missing inputs are
                    raise AssertionError(asyncio.run(explain_missing(settings, wanted, topics))) from None
                with contextlib.suppress(subprocess.TimeoutExpired):
                    worker.proc.wait(60)
                if not stopped_itself(worker):
                    raise
                refusals += 1
                worker = None
                continue
            yield worker, got, refusals
            return
    raise AssertionError(f"{restarts} workers in a row stopped themselves")


def outputs_supervised(
    settings: Settings, workdir: Path, topics: list[str], done, *, committed_only: bool,
    worker: RunningWorker | None = None, restarts: int = 8, timeout: float = 240.0, wanted: set[str] | None = None,
) -> tuple[dict[str, list[bytes]], int]:
    """`supervised_worker` until done and zero lag: the outputs and how many workers stopped
    themselves. With `wanted`, a timeout says where each missing input stands."""
    with supervised_worker(settings, workdir, topics, done, committed_only=committed_only, worker=worker,
                           restarts=restarts, timeout=timeout, zero_lag=True, wanted=wanted) as (_, got, refusals):
        return got, refusals


async def _raw_ids_on(settings: Settings, topics, isolation: str) -> dict[str, list[tuple[str, int, int, int]]]:
    """{input id: [(topic, partition, offset, Kafka timestamp ms)]} of every record on `topics`."""
    reader = consumer(settings, *(settings.topic(t) for t in topics), group_id=None, isolation_level=isolation)
    await reader.start()
    found: dict[str, list[tuple[str, int, int, int]]] = collections.defaultdict(list)
    try:
        idle = 0
        while idle < 4:
            batch = await reader.getmany(timeout_ms=300)
            idle = 0 if batch else idle + 1
            for tp, recs in batch.items():
                for r in recs:
                    try:
                        value = orjson.loads(r.value)
                        rid = value.get("raw_id") or value.get("id")
                    except Exception:
                        continue
                    found[rid].append((tp.topic[len(settings.topic_prefix):], tp.partition, r.offset, r.timestamp))
    finally:
        await reader.stop()
    return found


async def explain_missing(settings: Settings, wanted: set[str], outputs, topics=CONSUMED_TOPICS) -> str:
    """Which inputs have not come out (read_committed), and where they stand on the consumed
    topics: the records that carry them, seen read_committed or only read_uncommitted, against
    the group's committed offset there. A fault test that times out prints it, to tell an input
    that was lost (committed past) from one that is held (open transaction, stalled worker)."""
    from aiokafka.structs import TopicPartition

    out = await _raw_ids_on(settings, outputs, "read_committed")
    raw_ids = wanted - out.keys()
    if not raw_ids:
        return "every input is out"

    committed = await _group_committed(settings)
    lines = [f"{len(raw_ids)} inputs not out"]
    for isolation in ("read_committed", "read_uncommitted"):
        found = await _raw_ids_on(settings, topics, isolation)
        where = []
        for rid in sorted(raw_ids)[:10]:
            for topic, partition, offset, _ in found.get(rid, []):
                meta = committed.get(TopicPartition(settings.topic(topic), partition))
                where.append(f"{rid[:12]} {topic}:{partition}@{offset} (group committed {meta.offset if meta else None})")
        lines.append(f"{isolation}: " + "; ".join(where))
    return "\n".join(lines)


async def explain_repeats(settings: Settings, outputs, topics=CONSUMED_TOPICS, limit: int = 5) -> str:
    """Where inputs that came out more than once (read_committed) were repeated: each one's
    committed records on every hop, with the Kafka timestamps. A repeat first seen on the
    normalised topic was published twice by the normalise agent; one seen only on an output,
    by the tag agent. A fault test that finds repeats prints it (the worker logs may be gone)."""
    out = await _raw_ids_on(settings, outputs, "read_committed")
    repeated = sorted(rid for rid, where in out.items() if len(where) > 1)
    if not repeated:
        return "no input came out twice"
    hops = await _raw_ids_on(settings, topics, "read_committed")
    lines = [f"{len(repeated)} inputs out more than once"]
    for rid in repeated[:limit]:
        records = sorted(hops.get(rid, []) + out[rid], key=lambda r: r[3])
        lines.append(f"{rid[:16]}: " + "; ".join(f"{t}:{p}@{o} ts={ts}" for t, p, o, ts in records))
    return "\n".join(lines)
