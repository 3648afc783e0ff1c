"""Sustained load on the real broker: a fixed rate for a few minutes with the worker's RSS
sampled from /proc, then a burst of 10x the rate.

Memory: with a 30 s dedup window (swept every 7.5 s) the dedup table holds at most ~40 s of
items, so it is warm after the first minute and RSS must stop growing. The bound on the RSS
slope over the second half is a quarter of what an unbounded window would add at this rate:
the memory store keeps ~4,300 bytes per remembered story (streams/dedup/README.md), so at
RATE items/s a table that never expired would grow RATE x 4.3 kB/s (~170 kB/s at 40/s).

Lag: measured from the broker (the group's committed offsets against what a read_committed
reader finds after them), not from the worker's own view.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from streams import topics as T
from streams.bench.workload import synthetic_items
from streams.kafka_clients import ensure_topics, producer
from streams.models import to_json
from tests.support import consume_until, group_lag, isolated_settings, wait_for_zero_lag, worker_process

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(480)]

RATE = 40  # items/s, sustained
SUSTAIN_S = 150
BURST_S = 10  # at 10 x RATE
BYTES_PER_REMEMBERED_STORY = 4300
MAX_SLOPE = RATE * BYTES_PER_REMEMBERED_STORY / 4  # bytes/s


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


async def produce_at(settings, items, rate: float) -> None:
    prod = producer(settings, compression_type="zstd", linger_ms=10)
    await prod.start()
    try:
        started = time.monotonic()
        futures = []
        for n, raw in enumerate(items):
            futures.append(await prod.send(settings.topic(T.RAW), to_json(raw), key=f"{raw.source}:{raw.id}".encode()))
            ahead = started + n / rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        await asyncio.gather(*futures)
    finally:
        await prod.stop()


def test_sustained_load_memory_flat_and_burst_lag_recovers(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap, dedup_window="30s")
    asyncio.run(ensure_topics(settings))
    steady = list(synthetic_items(RATE * SUSTAIN_S, seed=51, source="steady"))
    burst = list(synthetic_items(RATE * 10 * BURST_S, seed=52, source="burst"))
    with worker_process(settings, tmp_path, extra_env={"WIRE_DEDUP_WINDOW": "30s"}) as worker:
        # Ready: the first item is out.
        asyncio.run(produce_at(settings, steady[:1], RATE))
        asyncio.run(consume_until(settings, [T.ENRICHED, T.DLQ], lambda g: sum(map(len, g.values())) >= 1,
                                  timeout=120, worker=worker))
        samples: list[tuple[float, float]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(2.0):
                if worker.proc.poll() is None:
                    samples.append((time.monotonic(), rss_bytes(worker.proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        t0 = time.monotonic()
        sampler.start()
        try:
            asyncio.run(produce_at(settings, steady[1:], RATE))
        finally:
            stop.set()
            sampler.join()
        assert worker.proc.poll() is None, worker.log_tail()
        steady_lag = asyncio.run(group_lag(settings))

        second_half = [(t - t0, rss) for t, rss in samples if t - t0 >= SUSTAIN_S / 2]
        growth = slope(second_half)
        first, last = samples[0][1] / 2**20, samples[-1][1] / 2**20
        print(f"\nRSS {first:.0f} -> {last:.0f} MiB over {SUSTAIN_S} s at {RATE}/s; second-half slope "
              f"{growth / 1024:.1f} kB/s (bound {MAX_SLOPE / 1024:.0f} kB/s); lag at end of steady phase {steady_lag}")
        assert growth < MAX_SLOPE, f"RSS still growing {growth / 1024:.1f} kB/s once the window is warm"

        # A burst of 10x the rate, then the lag (from the broker) must come back to zero.
        burst_started = time.monotonic()
        asyncio.run(produce_at(settings, burst, RATE * 10))
        peak = asyncio.run(group_lag(settings))
        drained = asyncio.run(wait_for_zero_lag(settings, timeout=180, worker=worker))
        print(f"burst {len(burst)} items in {time.monotonic() - burst_started - drained:.0f} s; lag after it {peak}; "
              f"zero again {drained:.0f} s later")
