"""`wirestream bench --stage dedup --quick` runs and reports what the issue asks for."""

from __future__ import annotations

from streams.bench import BENCHMARKS, render, run


def test_quick_bench_reports_cost_at_two_index_sizes_and_memory_per_item():
    assert "dedup" in BENCHMARKS
    report = run("dedup", quick=True)
    assert [row[0] for row in report.rows] == [1_000, 10_000]
    for row in report.rows:
        assert all(v > 0 for v in row[1:5])
    summary = report.summary
    # one compact record per story (signature, fingerprint, uri, times): the indexes live in memory
    assert 200 < summary["serialised bytes per remembered story (changelog / RocksDB)"] < 500
    assert summary["resident bytes per remembered story (dict store)"] > 0
    assert 1 <= summary["store keys per remembered story"] < 1.5
    assert "remembered" in render(report)
