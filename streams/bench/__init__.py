"""`wirestream bench`: speed and memory measured in one run, printed as a table or JSON.

One module per benchmark (`streams/bench/<name>.py`), each exposing
``run(*, quick: bool = False) -> BenchReport``. Benchmarks report ratios and absolute figures of
one run on this machine; they are never timed tests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

# name → module under streams.bench; each stage issue adds its own.
BENCHMARKS: dict[str, str] = {}
BENCHMARKS["tag"] = "streams.bench.tag"  # issue 5
BENCHMARKS["dedup"] = "streams.bench.dedup"  # issue 4
BENCHMARKS["normalise"] = "streams.bench.normalise"  # issue 3
BENCHMARKS["pipeline"] = "streams.bench.pipeline"  # issue 8: the whole pipeline on the broker


@dataclass
class BenchReport:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            **self.summary,
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
            "notes": self.notes,
        }


def run(name: str, *, quick: bool = False) -> BenchReport:
    if name not in BENCHMARKS:
        raise KeyError(name)
    module = importlib.import_module(BENCHMARKS[name])
    return module.run(quick=quick)


def render(report: BenchReport) -> str:
    """A plain-text table (fixed-width, no colour: it goes into READMEs and issue notes)."""
    cells = [[str(c) for c in report.columns]] + [[_fmt(v) for v in row] for row in report.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(report.columns))]
    lines = [report.title, ""]
    for n, row in enumerate(cells):
        lines.append("  ".join(v.rjust(w) if n and _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if report.summary:
        lines.append("")
        lines.extend(f"{k}: {_fmt(v)}" for k, v in report.summary.items())
    lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()
