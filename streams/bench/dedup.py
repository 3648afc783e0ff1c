"""`wirestream bench --stage dedup`: cost per decision as the index grows, and memory per item.

The index is filled to 10 thousand, 100 thousand and 1 million remembered stories (quick: 1 and
10 thousand) through the deduplicator's own writer (`_put_record`: one story record in the
store; LSH buckets, fingerprint owner and expiry order in memory), with random b-bit signatures standing in for the MinHash of
stories nobody will probe, spread over 80 days of a 90-day window (a million stories is
about 50 days of a busy wire). At each size, real
Reuters stories from the evaluation set are decided in full (`Deduplicator.decide`): new
stories, outlet copies (near duplicates) of stories in the index, and re-typeset exact copies.

Memory: resident memory the dict store grew by per remembered story (what a worker with
``memory://`` holds), and the serialised size per story (keys + JSON values: what the changelog
topic and a RocksDB store hold), measured exactly at the first size.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import orjson

from streams.bench import BenchReport
from streams.dedup import Deduplicator
from streams.dedup._dedup import _Text
from streams.evaluation.dedup import load_set
from streams.models import ItemSource, WireItem

END = datetime(2026, 4, 1, tzinfo=UTC)
# A million remembered stories is ~50 days of a busy wire (20,000 new stories a day): the index
# is a 90-day window (rocksdb://) filled over 80 days, ~90 stories per 10-minute index slot.
WINDOW = timedelta(days=90)
SPREAD_S = 80 * 86400
# Page furniture of an outlet's copy (the size makes each round's copies new texts).
CLUTTER = "\n\nReporting by Ana Lima; Editing by Tom Hale\n\nRead more: {} markets close higher on Friday"


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _Filler:
    """Writes synthetic stories through the deduplicator's writer, without text processing."""

    def __init__(self, dedup: Deduplicator, rng: np.random.Generator) -> None:
        self.dedup = dedup
        self.rng = rng
        self.count = 0
        self.text = _Text.__new__(_Text)
        self.text.present = True
        self.text._sig_done = True
        self.text._banding = (dedup.bands, dedup.rows)

    def fill(self, n: int) -> None:
        sigs = self.rng.integers(0, 256, size=(n, self.dedup._hasher.num_perm), dtype=np.uint8)
        times = END.timestamp() - SPREAD_S + self.rng.random(n) * SPREAD_S
        for i in range(n):
            k = self.count + i
            t = self.text
            t.fp = f"{k:032x}"
            t._sig = sigs[i]
            t._buckets = None
            item = SimpleNamespace(
                uri=f"urn:newsml:bench.example:2026:{k:08d}", version="1", source=SimpleNamespace(agency="Bench")
            )
            self.dedup._put_record(item, t, root=item.uri, now=int(times[i]))  # type: ignore[arg-type]
        self.count += n


def _item(uri: str, headline: str, body: str) -> WireItem:
    return WireItem(
        uri=uri, raw_id=uri, format="bench", headline=headline, body_text=body, received_at=END,
        source=ItemSource(agency="Reuters", provider="Reuters"),
    )


def _time(dedup: Deduplicator, items: list[WireItem]) -> tuple[list[float], list[str]]:
    took, statuses = [], []
    for item in items:
        started = time.thread_time()
        info = dedup.decide(item)
        took.append(time.thread_time() - started)
        statuses.append(info.status.value)
    return took, statuses


def _serialised(store: dict[str, Any]) -> int:
    return sum(len(k) + len(orjson.dumps(v)) for k, v in store.items())


def run(*, quick: bool = False) -> BenchReport:
    sizes = [1_000, 10_000] if quick else [10_000, 100_000, 1_000_000]
    probes = 50 if quick else 150
    data = load_set()
    stories = [s for s in data["stories"].values() if sum(len(p.split()) for p in s["paragraphs"]) >= 80]
    indexed, fresh = stories[:probes], stories[probes:]

    store: dict[str, Any] = {}
    dedup = Deduplicator(store, clock=lambda: END, window=WINDOW)
    filler = _Filler(dedup, np.random.default_rng(4))
    _time(Deduplicator({}, clock=lambda: END), [_item(f"urn:warm:{n}", s["headline"], "\n\n".join(s["paragraphs"]))
                                                 for n, s in enumerate(fresh[-20:])])  # warm-up: tables, caches
    for n, s in enumerate(indexed):  # the stories the copies will copy, decided for real
        dedup.decide(_item(f"urn:bench:indexed:{n}", s["headline"], "\n\n".join(s["paragraphs"])))

    report = BenchReport(
        title="dedup: Deduplicator.decide as the index grows (dict store, one process)",
        columns=["remembered", "new µs p50", "new µs p99", "near copy µs p50", "exact copy µs p50", "fill s"],
        notes=[],
    )
    gc.collect()
    gc.freeze()  # the filled store is long-lived: keep the collector from rescanning it
    rss_before, filled_before = _rss(), filler.count
    per_item_bytes: float | None = None
    medians: dict[int, float] = {}
    for round_no, size in enumerate(sizes):
        started = time.perf_counter()
        filler.fill(size - filler.count)
        fill_s = time.perf_counter() - started
        if per_item_bytes is None:
            per_item_bytes = _serialised(store) / (filler.count + len(indexed))
        new = [
            _item(f"urn:bench:new:{size}:{n}", s["headline"], "\n\n".join(s["paragraphs"]))
            for n, s in enumerate(fresh[round_no * probes : (round_no + 1) * probes])
        ]
        near = [
            _item(f"https://outlet.example/{size}/{n}", s["headline"].title(), "\n\n".join(s["paragraphs"]) + CLUTTER.format(size))
            for n, s in enumerate(indexed)
        ]
        exact = [
            _item(f"https://copy.example/{size}/{n}", s["headline"].upper(), "\n\n".join(s["paragraphs"]))
            for n, s in enumerate(indexed)
        ]
        t_new, st_new = _time(dedup, new)
        t_near, st_near = _time(dedup, near)
        t_exact, st_exact = _time(dedup, exact)
        assert set(st_near) <= {"near_duplicate", "duplicate"} and set(st_exact) == {"duplicate"}, (st_near, st_exact)
        medians[size] = statistics.median(t_new)
        report.rows.append(
            [
                size,
                statistics.median(t_new) * 1e6,
                float(np.percentile(t_new, 99)) * 1e6,
                statistics.median(t_near) * 1e6,
                statistics.median(t_exact) * 1e6,
                fill_s,
            ]
        )
    grown = filler.count - filled_before
    gc.unfreeze()
    rss_per_item = (_rss() - rss_before) / grown if grown else 0.0
    small, large = sizes[0], sizes[-1]
    report.summary = {
        f"new-story cost at {large:,} / at {small:,}": round(medians[large] / medians[small], 2),
        "resident bytes per remembered story (dict store)": round(rss_per_item),
        "serialised bytes per remembered story (changelog / RocksDB)": round(per_item_bytes or 0.0),
        "store keys per remembered story": round(len(store) / (filler.count + len(indexed)), 1),
        "LSH bands x rows": f"{dedup.bands} x {dedup.rows}",
    }
    bootstrap = os.environ.get("WIRE_KAFKA_BOOTSTRAP")
    if bootstrap and not quick:
        report.summary.update(sequencer_throughput(bootstrap))
    else:
        report.notes.append("set WIRE_KAFKA_BOOTSTRAP to also measure the sequencing partition through a real worker")
    report.notes += [
        f"probes: {probes} real Reuters stories per kind and size (streams/evaluation/data/dedup); µs are CPU time",
        "the index is filled through the deduplicator's writer with random signatures (no text processing)",
        "resident bytes include the fill's own garbage; they bound what a memory:// worker holds",
    ]
    return report


# ------------------------------------------------------------------ the sequencing partition


def sequencer_throughput(bootstrap: str, *, items: int = 3000) -> dict[str, Any]:
    """Items per second one worker's dedup agent decides on the sequencing partition.

    A backlog of `items` normalised items (70 % new stories, 30 % outlet copies) is put on the
    sequencing partition of a fresh ``wire.normalised``; then one worker (``wirestream worker``,
    every agent, its own topics and group) starts and works through it. The rate is taken from
    the Kafka timestamps of the dedup agent's first and last outputs, so start-up and table
    recovery are not counted; the worker's other agents (tag) run in the same process, as they
    do in production.
    """
    import asyncio
    import subprocess
    import tempfile
    import uuid
    from pathlib import Path

    from streams import topics as T
    from streams.dedup import dedup_partition, dedup_routing_key
    from streams.kafka_clients import consumer, ensure_topics, producer
    from streams.models import to_json
    from streams.settings import Settings
    from streams.worker_process import spawned_worker, worker_env

    run_id = uuid.uuid4().hex[:8]
    settings = Settings(kafka_bootstrap=bootstrap, topic_prefix=f"bench{run_id}.", app_id=f"wirestream-bench-{run_id}")
    stories = list(load_set()["stories"].values())
    backlog: list[WireItem] = []
    for n in range(items):
        s = stories[n % len(stories)]
        body = "\n\n".join(s["paragraphs"])
        if n % 10 < 7:  # a new story: the text made unique by its round
            backlog.append(_item(f"urn:bench:{n}", s["headline"], f"{body}\n\nRound {n // len(stories)} {n}."))
        else:
            backlog.append(_item(f"https://outlet.example/{n}", s["headline"], body + CLUTTER.format(n)))

    async def produce() -> None:
        await ensure_topics(settings)
        prod = producer(settings, linger_ms=20)
        await prod.start()
        try:
            home = dedup_partition(backlog[0], settings.partitions)
            futures = [
                await prod.send(settings.topic(T.NORMALISED), to_json(i), key=dedup_routing_key(i).encode(), partition=home)
                for i in backlog
            ]
            await asyncio.gather(*futures)
        finally:
            await prod.stop()

    def cpu_s(pid: int) -> float:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    cpu: list[tuple[int, float]] = []  # (outputs seen, worker CPU seconds) at the first and last batch

    async def collect(proc: subprocess.Popen) -> list[int]:
        cons = consumer(settings, settings.topic(T.DEDUPLICATED), settings.topic(T.DUPLICATES), group_id=None)
        await cons.start()
        stamps: list[int] = []
        deadline = time.monotonic() + 600
        try:
            while len(stamps) < items and time.monotonic() < deadline and proc.poll() is None:
                for records in (await cons.getmany(timeout_ms=200)).values():
                    stamps.extend(r.timestamp for r in records)
                if stamps and (not cpu or len(stamps) >= items):
                    cpu.append((len(stamps), cpu_s(proc.pid)))
        finally:
            await cons.stop()
        return stamps

    asyncio.run(produce())
    with tempfile.TemporaryDirectory() as tmp:
        env = worker_env(settings, Path(tmp), WIRE_LOG_LEVEL="warning")
        with spawned_worker(env, Path(tmp) / "worker.log", stop_timeout=60.0) as proc:
            stamps = asyncio.run(collect(proc))
    if len(stamps) < items:
        return {"sequencer": f"incomplete: {len(stamps)} of {items} outputs"}
    span_s = (max(stamps) - min(stamps)) / 1000
    (n0, c0), (n1, c1) = cpu[0], cpu[-1]
    return {
        "sequencer items": items,
        "sequencer items/s (one worker, all agents; wall clock)": round((items - 1) / span_s),
        "sequencer worker CPU ms per item": round((c1 - c0) / (n1 - n0) * 1000, 2),
    }
