"""`wirestream bench --stage normalise`: items per second per wire format, one core, one process.

The inputs ship with the package (no `tests/`, no `../shared/`): the bundled demo samples
(`streams/samples`: the seed and other captures, ninjs, NewsML-G2, NITF, NewsML 1.2) and the
normalise samples (`streams/normalise/samples`: ANPA-1312, IPTC 7901, RSS/Atom, HTML pages).
Each format's files are normalised round-robin for a fixed time after one warm-up pass (the
language model loads on first use); the last row is the whole mix in the same way.
"""

from __future__ import annotations

import platform
import time
from collections import defaultdict
from datetime import UTC, datetime

from ..models import RawItem
from ..normalise import detect_format, normalise
from ..samples import shipped as samples
from . import BenchReport

# Aims from issue 3: no format below 200 items/s per core; text formats above 2,000.
AIM_ALL = 200
AIM_TEXT = 2000
TEXT_FORMATS = frozenset({"text", "anpa-1312", "iptc-7901"})
_RECEIVED = datetime(2025, 12, 6, tzinfo=UTC)


def _raw(name: str, data: bytes, n: int) -> RawItem:
    return RawItem.from_bytes(data, source="bench", id=f"{name}:{n}", filename=name, received_at=_RECEIVED)


def _measure(inputs: list[tuple[str, bytes]], seconds: float) -> tuple[int, int, float]:
    """(items, dead letters, elapsed CPU seconds) normalising the inputs round-robin for `seconds`."""
    raws = [_raw(name, data, i) for i, (name, data) in enumerate(inputs)]
    items = dead = 0
    start = time.process_time()  # CPU time of this process: robust on a shared machine
    deadline = start + seconds
    while True:
        for raw in raws:
            out = normalise(raw)
            if isinstance(out, list):
                items += len(out)
            else:
                dead += 1
        now = time.process_time()
        if now >= deadline:
            return items, dead, now - start


def run(*, quick: bool = False) -> BenchReport:
    seconds = 0.3 if quick else 2.0
    by_format: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
    every = samples()
    for name, data in every:
        by_format[detect_format(_raw(name, data, 0))].append((name, data))
    for name, data in every:  # warm-up: language model, lazily compiled patterns, data files
        normalise(_raw(name, data, 0))

    report = BenchReport(
        title=f"normalise: items per second per format (one core, one process, {seconds:g} s per row)",
        columns=["format", "files", "items/pass", "items/s", "ms/item", "aim items/s", "meets aim"],
    )
    slowest = None
    for fmt in sorted(by_format):
        inputs = by_format[fmt]
        items, dead, elapsed = _measure(inputs, seconds)
        per_pass = round(items / max(1, (items + dead)) * len(inputs), 2) if items else 0
        rate = items / elapsed if elapsed else 0.0
        aim = AIM_TEXT if fmt in TEXT_FORMATS else AIM_ALL
        if fmt == "unknown" or not items:
            report.rows.append([fmt, len(inputs), 0, 0.0, "-", "-", f"dead letters only ({dead / elapsed:,.0f}/s)"])
            continue
        report.rows.append([fmt, len(inputs), per_pass, rate, 1000 / rate, aim, "yes" if rate >= aim else "NO"])
        slowest = min(slowest or (rate, fmt), (rate, fmt))
    items, dead, elapsed = _measure(every, seconds)
    per_pass = sum(1 for name, data in every if not isinstance(normalise(_raw(name, data, 0)), list))
    report.rows.append(["all (mix)", len(every), "", items / elapsed, 1000 * elapsed / max(1, items), "", f"+{per_pass} dead letter(s)/pass"])
    report.summary = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "slowest_format": slowest[1] if slowest else None,
        "slowest_items_per_s": round(slowest[0]) if slowest else None,
    }
    report.notes = [
        "inputs: streams/samples (demo corpus mix) + streams/normalise/samples (ANPA-1312, IPTC 7901, RSS/Atom, HTML)",
        "a dead-letter input (the truncated ninjs sample) counts in 'files' but yields no items",
        f"aims (issue 3): every format >= {AIM_ALL} items/s, text formats ({', '.join(sorted(TEXT_FORMATS))}) >= {AIM_TEXT}",
    ]
    return report
