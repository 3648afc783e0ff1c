"""`wirestream bench` (``--stage pipeline``): the whole pipeline on the real local broker, next to
its limits, measured in one run.

0. **broker warm-up**: a pipeline worker over a throwaway corpus, not measured. A fresh broker
   is slow until its JVM has compiled its hot paths (measured: 2.3, 0.85 and 0.67 ms of broker
   CPU per pipeline item in three rounds without a warm-up, and the worker's own fetch and
   produce loops spinning on the slow answers: 3.3 against 1.9–2.2 ms of worker CPU per item);
   without this round whichever worker ran first paid for it. A pipeline worker, not a
   passthrough one: it uses every kind of topic the passthrough does and more (changelog,
   duplicates, routed topics), and after a passthrough warm-up the first pipeline round was
   still the slow one. 2,000 items: each worker's own warm-up (below) warms the broker further.
   The broker's CPU per round is in the report when the bench started the broker. This round
   also measures the machine: on one half as fast as usual the full plan (4,000 items and 1,000
   warm-up items per worker) took 5 min 48 s, so the rounds take as many of those items as fit
   in the bench's 4 minutes (`_sized`; the report says when they were fewer).
1. **pipeline**: a real worker process (`wirestream worker`, all three agents) on topics of its
   own; the corpus mix (the shipped samples, every tenth item, repeats included, and distinct
   synthetic stories from `workload.synthetic_items` in ninjs, NITF and plain text) is produced
   to ``wire.raw`` as fast as the producer goes; items/s from the first send to the Kafka
   timestamp of the last output (``wire.enriched`` + ``wire.duplicates`` + ``wire.dlq``: every
   input ends in exactly one, the count known from `Pipeline.process` over the same corpus).
   Each worker first handles 1,000 warm-up items (not measured): workers are long-running, and
   one just started is not at its steady state (with 60 warm-up items, a freshly started
   pipeline worker ran ~30 % below its steady rate while the passthrough barely changed: in one
   hour on one machine, median ratios 0.37 and 0.43 with 60, 0.54 with 1,500; 1,000 since the
   latency phase runs in every round, to stay within the bench's 4 minutes).
2. **latency** (every round): the same warm worker, distinct stories sent at a fixed
   200 items/s for 7 s, each ``received_at`` stamped as it is sent; latency is the output's Kafka
   timestamp on ``wire.enriched`` minus ``received_at``. Each percentile is the median of the
   rounds' (as the ratio is): on a shared machine one slow stretch took a round's worker from
   ~300 to ~230 items/s, 200 items/s from 67 % to 87 % of it, and that round's p99 from ~0.3 to
   ~3 s; every round's figures are in the report.
3. **Faust passthrough**: a second worker with ``--passthrough`` — the same agents, topics and
   hops with no-op stage functions (`streams.bench.passthrough`) — over the same corpus, right
   after the pipeline worker. Steps 1 and 3 are repeated (`_Plan.rounds`): a round's ratio
   compares two runs a few seconds apart, and the report gives each round and the medians, so
   one disturbed run on a shared machine does not decide the figure.
4. **aiokafka passthrough**: consume → produce over the same three hops
   (raw → normalised → deduplicated → enriched) with plain aiokafka clients in this process.

CPU seconds per 1,000 items are the worker process's (``/proc/PID/stat``, user + system) over
the measured window. Everything runs on a local broker started in a temporary home (stopped by
its pid at the end) unless ``WIRE_KAFKA_BOOTSTRAP`` names one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from streams import topics as T
from streams.models import RawItem, to_json, utcnow

from . import BenchReport
from .normalise import samples
from .workload import synthetic_items
from ..worker_process import spawned_worker, worker_env

LATENCY_RATE = 200  # items/s, the fixed rate
SAMPLE_EVERY = 10  # one shipped sample per this many items; the rest are distinct synthetic stories
OUTPUTS = (T.ENRICHED, T.DUPLICATES, T.DLQ)


@dataclass(frozen=True)
class _Plan:
    items: int  # throughput corpus size
    latency_s: float  # seconds at LATENCY_RATE
    warmup: int  # items each worker handles before its measured window
    timeout_s: float
    rounds: int  # pipeline + passthrough pairs
    broker_warmup: int  # items of the unmeasured warm-up round (0: none)


FULL = _Plan(items=4000, latency_s=7.0, warmup=1000, timeout_s=90.0, rounds=3, broker_warmup=2000)
QUICK = _Plan(items=300, latency_s=2.0, warmup=10, timeout_s=60.0, rounds=1, broker_warmup=0)

# The 4 minutes for the whole command, less a margin for the aiokafka phase, the broker's
# stop and the report. On a machine half as fast the FULL plan took 5 min 48 s, so the rounds are
# sized to what is left once the warm-up round has measured this machine (`_sized`).
BUDGET_S = 230.0
MIN_ITEMS = 800  # below this a round's rate is mostly its start and end
PASSTHROUGH_SHARE = 0.75  # the passthrough's time per item against the pipeline's, rounded up (measured 0.55-0.66)


# --------------------------------------------------------------------------- corpus


def corpus(count: int, *, seed: int = 11, source: str = "bench") -> list[RawItem]:
    """`count` raw items: every `SAMPLE_EVERY`-th a shipped sample (round robin, so later rounds
    are repeats), the others distinct synthetic stories."""
    shipped = samples()
    synthetic = synthetic_items(count, seed=seed, source=source)
    out: list[RawItem] = []
    for n in range(count):
        if n % SAMPLE_EVERY == SAMPLE_EVERY - 1 and shipped:
            name, data = shipped[(n // SAMPLE_EVERY) % len(shipped)]
            out.append(RawItem.from_bytes(data, source=source, id=f"{seed}:{n}:{name}", filename=name))
        else:
            out.append(next(synthetic))
    return out


def outputs_per_item(raws: list[RawItem], tagger: Any = None) -> tuple[list[int], float]:
    """(outputs the pipeline gives for each of these items, in order, on one store; CPU s of the
    stages).

    The same stage functions the workers run, without Kafka: the count every run must reach, and
    the stages' own cost to set against the workers'. The count of a prefix is the sum of its
    items' (an item's outputs depend on its format, not on what came before: only whether each is
    a duplicate does), so a smaller round takes the first items and their sum."""
    from streams.pipeline import Pipeline, build_deduplicator, build_tagger
    from streams.settings import Settings

    settings = Settings()
    tagger = tagger or build_tagger(settings)
    pipeline = Pipeline(tagger=tagger, dedup=build_deduplicator(settings, {}), max_bytes=settings.max_item_bytes)
    # Models and automatons load on first use: not the stages' cost per item. A store of its own,
    # so these do not count as seen; one tagger (loading one took ~0.5 s here).
    warm = Pipeline(tagger=tagger, dedup=build_deduplicator(settings, {}), max_bytes=settings.max_item_bytes)
    for raw in raws[:20]:
        list(warm.process(raw))
    start = time.process_time()
    counts = [sum(1 for _ in pipeline.process(raw)) for raw in raws]
    return counts, time.process_time() - start


def expected_outputs(raws: list[RawItem]) -> tuple[int, float]:
    """(outputs the pipeline gives for these items; CPU s of the stages): `outputs_per_item` summed."""
    counts, cpu = outputs_per_item(raws)
    return sum(counts), cpu


# --------------------------------------------------------------------------- processes


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@contextlib.contextmanager
def _broker() -> Iterator[tuple[str, int | None]]:
    """(bootstrap, pid of the broker this bench started, or None on one named by
    WIRE_KAFKA_BOOTSTRAP): its CPU over each measured window shows whether it was warm."""
    bootstrap = os.environ.get("WIRE_KAFKA_BOOTSTRAP")
    if bootstrap:
        yield bootstrap, None
        return
    from streams.localkafka import LocalKafka

    with tempfile.TemporaryDirectory(prefix="wirestream-bench-kafka-") as home:
        kafka = LocalKafka(home)
        bootstrap = kafka.start()
        try:
            yield bootstrap, kafka.pid
        finally:
            kafka.stop()


def _settings(bootstrap: str, label: str) -> Any:
    from streams.settings import Settings

    run = uuid.uuid4().hex[:8]
    return Settings(kafka_bootstrap=bootstrap, topic_prefix=f"bench{label}{run}.", app_id=f"wirestream-bench-{label}-{run}")


@contextlib.contextmanager
def _worker(settings: Any, workdir: Path, *, passthrough: bool) -> Iterator[subprocess.Popen]:
    env = worker_env(settings, workdir, WIRE_LOG_LEVEL="warning")
    with spawned_worker(env, workdir / "worker.log", passthrough=passthrough, stop_timeout=60.0) as proc:
        yield proc


# --------------------------------------------------------------------------- Kafka side


class _Outputs:
    """Reads the output topics from the start and counts what arrived (and when)."""

    def __init__(self, settings: Any, topics: tuple[str, ...] = OUTPUTS) -> None:
        from streams.kafka_clients import consumer

        self.settings = settings
        self.consumer = consumer(settings, *(settings.topic(t) for t in topics), group_id=None, fetch_max_wait_ms=50)
        self.count = 0
        self.last_ts = 0  # ms, Kafka timestamp of the newest output
        self.enriched = settings.topic(T.ENRICHED)

    async def __aenter__(self) -> _Outputs:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def until(self, count: int, timeout: float, proc: subprocess.Popen | None = None, on_record: Any = None) -> None:
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.count} of {count} outputs after {timeout:.0f} s")
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"worker exited with {proc.returncode}")
            for tp, records in (await self.consumer.getmany(timeout_ms=200)).items():
                self.count += len(records)
                self.last_ts = max(self.last_ts, max(r.timestamp for r in records))
                if on_record is not None and tp.topic == self.enriched:
                    for r in records:
                        on_record(r)


async def _send_all(settings: Any, raws: list[RawItem]) -> float:
    """Sends every item to wire.raw as fast as the producer takes them; returns the wall-clock
    time of the first send (s since the epoch)."""
    from streams.kafka_clients import producer

    prod = producer(settings, linger_ms=5, max_batch_size=1 << 20)
    await prod.start()
    try:
        topic = settings.topic(T.RAW)
        records = [(f"{r.source}:{r.id}".encode(), to_json(r)) for r in raws]
        start = time.time()
        futures = [await prod.send(topic, value, key=key) for key, value in records]
        await asyncio.gather(*futures)
        return start
    finally:
        await prod.stop()


async def _through_worker(settings: Any, raws: list[RawItem], expected: int, warm: list[RawItem], warm_expected: int,
                          proc: subprocess.Popen, plan: _Plan, latency: bool, broker_pid: int | None) -> dict[str, Any]:
    async with _Outputs(settings) as out:
        # Warm-up: the worker has joined its group, recovered its table and loaded its models
        # once these came out; then the measured corpus is sent.
        await _send_all(settings, warm)
        await out.until(warm_expected, plan.timeout_s + 60, proc)
        cpu0, broker0 = _cpu_s(proc.pid), _cpu_s(broker_pid) if broker_pid else 0.0
        start = await _send_all(settings, raws)
        await out.until(warm_expected + expected, plan.timeout_s, proc)
        cpu1, broker1 = _cpu_s(proc.pid), _cpu_s(broker_pid) if broker_pid else 0.0
        span = out.last_ts / 1000 - start
        result = {"items": len(raws), "outputs": expected, "seconds": span, "cpu_s": cpu1 - cpu0,
                  "broker_cpu_s": broker1 - broker0 if broker_pid else None}
        if latency:
            result["latency_ms"] = await _latency(settings, out, proc, plan)
        return result


# The topic each hop reads and the one it writes: a hop's latency is the difference of the Kafka
# timestamps of one item's records on the two (fetch wait, queueing, work and produce together).
HOPS = (("normalise", T.RAW, T.NORMALISED), ("dedup", T.NORMALISED, T.DEDUPLICATED), ("tag", T.DEDUPLICATED, T.ENRICHED))


async def _hop_ends(settings: Any) -> dict[Any, int]:
    """The end offset of every partition the hops read or write: where the latency phase starts."""
    from aiokafka import TopicPartition

    from streams.kafka_clients import consumer

    cons = consumer(settings, group_id=None)
    await cons.start()
    try:
        names = {t for _, a, b in HOPS for t in (a, b)}
        return await cons.end_offsets([TopicPartition(settings.topic(t), p) for t in names for p in range(settings.partitions)])
    finally:
        await cons.stop()


async def _hop_latencies(settings: Any, start: dict[Any, int], ids: set[str]) -> dict[str, list[float]]:
    """Milliseconds each hop took for each of `ids` (raw ids), read from the hops' topics from
    `start` on: the record on the topic a hop writes minus the record on the one it reads."""
    from streams.kafka_clients import consumer

    cons = consumer(settings, group_id=None)
    await cons.start()
    try:
        cons.assign(list(start))
        for tp, offset in start.items():
            cons.seek(tp, offset)
        ends = await cons.end_offsets(list(start))
        pending = {tp for tp in start if ends[tp] > start[tp]}
        stamps: dict[str, dict[str, int]] = {}
        prefix = len(settings.topic(""))
        while pending:
            batch = await cons.getmany(timeout_ms=2000)
            if not batch:
                break
            for tp, records in batch.items():
                seen = stamps.setdefault(tp.topic[prefix:], {})
                for r in records:
                    try:
                        doc = orjson.loads(r.value)
                    except orjson.JSONDecodeError:
                        continue
                    raw_id = doc.get("id") if tp.topic[prefix:] == T.RAW else doc.get("raw_id")
                    if raw_id in ids and raw_id not in seen:
                        seen[raw_id] = r.timestamp
                if records[-1].offset + 1 >= ends[tp]:
                    pending.discard(tp)
    finally:
        await cons.stop()
    out: dict[str, list[float]] = {}
    for hop, src, dst in HOPS:
        before, after = stamps.get(src, {}), stamps.get(dst, {})
        out[hop] = [float(after[k] - before[k]) for k in after.keys() & before.keys()]
    return out


async def _latency(settings: Any, out: _Outputs, proc: subprocess.Popen, plan: _Plan) -> tuple[list[float], dict[str, list[float]]]:
    """(end-to-end latency of each item in ms, each hop's latencies in ms)."""
    from streams.kafka_clients import producer

    count = int(plan.latency_s * LATENCY_RATE)
    template = list(synthetic_items(count, seed=23, source="latency"))
    sent: dict[str, float] = {}
    lat: list[float] = []

    def arrived(record: Any) -> None:
        event = orjson.loads(record.value)
        received = sent.get(event.get("raw_id"))
        if received is not None:
            lat.append(record.timestamp - received * 1000)

    hop_start = await _hop_ends(settings)
    prod = producer(settings)
    await prod.start()
    try:
        topic = settings.topic(T.RAW)
        begin = time.monotonic()
        futures = []
        for n, raw in enumerate(template):
            delay = begin + n / LATENCY_RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            now = utcnow()
            raw = raw.model_copy(update={"received_at": now})
            sent[raw.id] = now.timestamp()
            futures.append(await prod.send(topic, to_json(raw), key=f"{raw.source}:{raw.id}".encode()))
            if n % 50 == 0:  # read outputs meanwhile: the consumer's buffer stays small
                await out.until(0, 1, proc, on_record=arrived)
        await asyncio.gather(*futures)
    finally:
        await prod.stop()
    deadline = time.monotonic() + plan.timeout_s
    while len(lat) < count and time.monotonic() < deadline:
        batch = await out.consumer.getmany(timeout_ms=200)
        for tp, records in batch.items():
            out.count += len(records)
            if tp.topic == out.enriched:
                for r in records:
                    arrived(r)
    return lat, await _hop_latencies(settings, hop_start, set(sent))


async def _aiokafka_hops(settings: Any, raws: list[RawItem], plan: _Plan) -> dict[str, Any]:
    """raw → normalised → deduplicated → enriched with getmany → send loops, no processing."""
    from streams.kafka_clients import consumer, ensure_topics, producer

    hops = [T.RAW, T.NORMALISED, T.DEDUPLICATED, T.ENRICHED]
    await ensure_topics(settings)  # the pipeline's topics, as the workers get them
    cpu0 = time.process_time()
    stop = asyncio.Event()

    async def hop(src: str, dst: str) -> None:
        cons = consumer(settings, settings.topic(src), group_id=f"{settings.app_id}-{src}", max_partition_fetch_bytes=8 << 20)
        prod = producer(settings, linger_ms=5, max_batch_size=1 << 20)
        await cons.start()
        await prod.start()
        try:
            target = settings.topic(dst)
            while not stop.is_set():
                batch = await cons.getmany(timeout_ms=100, max_records=2000)
                futures = [await prod.send(target, r.value, key=r.key) for records in batch.values() for r in records]
                if futures:
                    await asyncio.gather(*futures)
                    await cons.commit()
        finally:
            await cons.stop()
            await prod.stop()

    tasks = [asyncio.create_task(hop(a, b)) for a, b in zip(hops, hops[1:], strict=False)]
    try:
        await asyncio.sleep(1.0)  # consumers joined their groups
        async with _Outputs(settings, (T.ENRICHED,)) as out:
            start = await _send_all(settings, raws)
            await out.until(len(raws), plan.timeout_s)
            span = out.last_ts / 1000 - start
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"items": len(raws), "seconds": span, "cpu_s": time.process_time() - cpu0}


# --------------------------------------------------------------------------- run


def _worker_run(broker: tuple[str, int | None], label: str, raws: list[RawItem], expected: int, warm: list[RawItem],
                warm_expected: int, plan: _Plan, *, passthrough: bool, latency: bool) -> dict[str, Any]:
    from streams.kafka_clients import ensure_topics

    bootstrap, broker_pid = broker
    settings = _settings(bootstrap, label)
    asyncio.run(ensure_topics(settings))
    with tempfile.TemporaryDirectory(prefix=f"wirestream-bench-{label}-") as tmp, _worker(
        settings, Path(tmp), passthrough=passthrough
    ) as proc:
        try:
            return asyncio.run(_through_worker(settings, raws, expected, warm, warm_expected, proc, plan, latency, broker_pid))
        except (TimeoutError, RuntimeError) as exc:
            tail = (Path(tmp) / "worker.log").read_text(errors="replace").splitlines()[-15:]
            raise RuntimeError(f"{label}: {exc}\n" + "\n".join(tail)) from exc


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _latency_summary(lat: list[float], hops: dict[str, list[float]], load: float) -> dict[str, Any]:
    """One round's latency phase: percentiles of the end-to-end and of each hop's latency, and
    the fixed rate as a share of what the same worker managed just before (`load`: queueing, and
    so the tail, grows steeply with it)."""
    return {
        "items": len(lat),
        "p50": round(_percentile(lat, 0.50), 1),
        "p99": round(_percentile(lat, 0.99), 1),
        "p999": round(_percentile(lat, 0.999), 1),
        "max": round(max(lat), 1),
        "load": round(load, 2),
        # Where it goes: each hop's share (fetch wait, queueing, work, produce).
        "hops": {hop: {"p50": round(_percentile(v, 0.50), 1), "p99": round(_percentile(v, 0.99), 1)}
                 for hop, v in hops.items() if v},
    }


def _latency_headline(per_round: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds' latency figures in one: each percentile (and the load) is the median of the
    rounds', as the ratio is, so one slow stretch of a shared machine decides one round and not
    the figure; the max is the largest of all."""
    median = statistics.median
    return {
        "rate_items_per_s": LATENCY_RATE,
        "items": sum(r["items"] for r in per_round),
        **{q: round(median([r[q] for r in per_round]), 1) for q in ("p50", "p99", "p999")},
        "max": max(r["max"] for r in per_round),
        "load": round(median([r["load"] for r in per_round]), 2),
        "hops": {
            hop: {q: round(median([r["hops"][hop][q] for r in per_round if hop in r["hops"]]), 1) for q in ("p50", "p99")}
            for hop in per_round[0]["hops"]
        },
    }


def _per_1000(cpu_s: float | None, items: int) -> float | None:
    return None if cpu_s is None else round(cpu_s / items * 1000, 3)


def _sized(plan: _Plan, rate: float, overhead_s: float, left_s: float) -> _Plan:
    """`plan` with as many items per round (and warm-up items, a quarter of them as in FULL) as
    fit in `left_s` seconds, from the warm-up round's rate (items/s; a cold broker's, so on the
    safe side) and the seconds a worker run took beyond its items (start, group join, stop).

    A round is a pipeline run (its warm-up, its items, the latency phase: LATENCY_RATE items/s
    for latency_s, longer when that is more than the worker manages) and a passthrough run."""
    latency_s = max(plan.latency_s, LATENCY_RATE * plan.latency_s / rate) + 1.0
    per_round = left_s / plan.rounds - 2 * overhead_s - latency_s
    per_item = (1 + PASSTHROUGH_SHARE) / rate * (1 + plan.warmup / plan.items)
    items = int(min(plan.items, max(MIN_ITEMS, per_round / per_item)) // 100 * 100)
    warmup = min(plan.warmup, max(items * plan.warmup // plan.items, 100))
    return dataclasses.replace(plan, items=items, warmup=warmup)


def run(*, quick: bool = False) -> BenchReport:
    began = time.monotonic()
    plan = QUICK if quick else FULL
    from streams.pipeline import build_tagger
    from streams.settings import Settings

    tagger = build_tagger(Settings())
    all_raws = corpus(plan.items)
    all_warm = corpus(plan.warmup, seed=5, source="warmup")
    counts, stages_cpu = outputs_per_item(all_raws, tagger)
    warm_counts, _ = outputs_per_item(all_warm, tagger)
    pipes: list[dict[str, Any]] = []
    noops: list[dict[str, Any]] = []
    sized_from: str | None = None
    with _broker() as broker:
        if plan.broker_warmup:
            throwaway = corpus(plan.broker_warmup, seed=3, source="brokerwarmup")
            t0 = time.monotonic()
            warmed = _worker_run(broker, "warm", throwaway, sum(outputs_per_item(throwaway, tagger)[0]), all_warm,
                                 sum(warm_counts), plan, passthrough=False, latency=False)
            took = time.monotonic() - t0
            warm_rate = warmed["items"] / warmed["seconds"]
            overhead = max(0.0, took - (len(throwaway) + len(all_warm)) / warm_rate)
            left = BUDGET_S - (time.monotonic() - began) - len(all_raws) * 3 / 1500  # the aiokafka phase
            plan = _sized(plan, warm_rate, overhead, left)
            if plan.items < len(all_raws):
                sized_from = (f"{plan.items} items (and {plan.warmup} warm-up items) per round, not {FULL.items}: what "
                              f"fit in the bench's {BUDGET_S:.0f} s at the warm-up round's {warm_rate:.0f} items/s "
                              f"({overhead:.0f} s per worker run to start and stop)")
        raws, warm = all_raws[: plan.items], all_warm[: plan.warmup]
        expected, warm_expected = sum(counts[: plan.items]), sum(warm_counts[: plan.warmup])
        stages_cpu *= len(raws) / len(all_raws)
        for n in range(plan.rounds):
            pipes.append(_worker_run(broker, "pipe", raws, expected, warm, warm_expected, plan,
                                     passthrough=False, latency=True))
            noops.append(_worker_run(broker, "noop", raws, len(raws), warm, len(warm), plan,
                                     passthrough=True, latency=False))
        raw_hops = asyncio.run(_aiokafka_hops(_settings(broker[0], "aiok"), raws, plan))
    latencies = [p.pop("latency_ms") for p in pipes]

    def rate(r: dict[str, Any]) -> float:
        return r["items"] / r["seconds"]

    def cpu_ms(r: dict[str, Any]) -> float:
        return r["cpu_s"] / r["items"] * 1000

    per_round_latency = [_latency_summary(lat, hops, LATENCY_RATE / rate(p)) for (lat, hops), p in zip(latencies, pipes, strict=True)]
    rounds = [
        {
            "pipeline_items_per_s": round(rate(p), 1),
            "faust_passthrough_items_per_s": round(rate(q), 1),
            "pipeline_vs_faust_passthrough": round(rate(p) / rate(q), 3),
            "cpu_s_per_1000_items": round(cpu_ms(p), 3),
            "faust_passthrough_cpu_s_per_1000_items": round(cpu_ms(q), 3),
            "broker_cpu_s_per_1000_items": _per_1000(p.get("broker_cpu_s"), p["items"]),
            "broker_cpu_s_per_1000_items_passthrough": _per_1000(q.get("broker_cpu_s"), q["items"]),
            "latency_ms": lat,
        }
        for p, q, lat in zip(pipes, noops, per_round_latency, strict=True)
    ]
    pipeline_rate = statistics.median([rate(p) for p in pipes])
    faust_rate = statistics.median([rate(q) for q in noops])
    aiokafka_rate = rate(raw_hops)
    pipe_cpu = statistics.median([cpu_ms(p) for p in pipes])
    noop_cpu = statistics.median([cpu_ms(q) for q in noops])
    label = f"median of {plan.rounds} rounds" if plan.rounds > 1 else "one round"
    rows = [
        [f"pipeline (1 worker, all stages; {label})", len(raws), round(pipeline_rate), round(pipe_cpu, 2)],
        [f"Faust passthrough (same agents, no-op stages; {label})", len(raws), round(faust_rate), round(noop_cpu, 2)],
        ["aiokafka consume+produce, same 3 hops (this process)", len(raws), round(aiokafka_rate), round(cpu_ms(raw_hops), 2)],
        ["stage functions alone (Pipeline.process, no Kafka)", len(raws), round(len(raws) / stages_cpu), round(stages_cpu / len(raws) * 1000, 2)],
    ]
    summary: dict[str, Any] = {
        "pipeline_items_per_s": round(pipeline_rate, 1),
        "faust_passthrough_items_per_s": round(faust_rate, 1),
        "aiokafka_passthrough_items_per_s": round(aiokafka_rate, 1),
        # Each round's ratio compares runs seconds apart; the median of those is the headline.
        "pipeline_vs_faust_passthrough": round(statistics.median([r["pipeline_vs_faust_passthrough"] for r in rounds]), 3),
        "faust_vs_aiokafka_passthrough": round(faust_rate / aiokafka_rate, 3),
        "latency_ms": _latency_headline(per_round_latency),
        "cpu_s_per_1000_items": round(pipe_cpu, 3),
        "faust_passthrough_cpu_s_per_1000_items": round(noop_cpu, 3),
        "stages_cpu_s_per_1000_items": round(stages_cpu / len(raws) * 1000, 3),
        "rounds": rounds,
        "broker_warmup_items": plan.broker_warmup,
        "items": len(raws),
        "outputs": expected,
        "quick": quick,
        "wall_s": round(time.monotonic() - began, 1),
    }
    round_p99 = ", ".join(f"{r['p99']:.0f} ms at {r['load']:.0%}" for r in per_round_latency)
    per_round = "; ".join(
        f"{r['pipeline_items_per_s']:.0f} / {r['faust_passthrough_items_per_s']:.0f} = {r['pipeline_vs_faust_passthrough']:.2f}"
        for r in rounds
    )
    return BenchReport(
        title="wirestream bench: the pipeline on the local broker, against Faust's and aiokafka's passthrough",
        columns=["run", "items", "items/s", "CPU s / 1,000 items"],
        rows=rows,
        summary=summary,
        notes=[
            "items/s: first send to the Kafka timestamp of the last output; CPU: the worker process (or this "
            "process for aiokafka) over that window",
            f"pipeline / passthrough per round (each pair a few seconds apart): {per_round}; "
            f"median ratio {summary['pipeline_vs_faust_passthrough']:.2f}",
            (f"an unmeasured pipeline round of {plan.broker_warmup} other items warmed the broker first"
             if plan.broker_warmup else "no broker warm-up round (--quick)"),
            f"latency: {LATENCY_RATE} items/s of distinct stories for {plan.latency_s:.0f} s in each round, received_at "
            "(at send) to the record's timestamp on wire.enriched, the median of the rounds: p50 / p99 / p99.9 "
            f"{summary['latency_ms']['p50']:.0f} / {summary['latency_ms']['p99']:.0f} / {summary['latency_ms']['p999']:.0f} ms "
            f"(each round's p99: {round_p99} of its worker's measured throughput); "
            "per hop (p50 / p99 ms, Kafka timestamps of the record read and the record written): "
            + ", ".join(f"{hop} {v['p50']:.0f} / {v['p99']:.0f}" for hop, v in summary["latency_ms"]["hops"].items()),
            f"corpus: every {SAMPLE_EVERY}th item a shipped sample (repeats: duplicates), the rest distinct "
            "synthetic ninjs/NITF/text stories",
            *([sized_from] if sized_from else []),
        ],
    )
