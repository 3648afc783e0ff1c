"""The normalise benchmark runs from the package alone, on samples identical to the test fixtures."""

from pathlib import Path

from streams.bench import BENCHMARKS, render, run

from .conftest import FIXTURES

PACKAGE_SAMPLES = Path(__file__).resolve().parents[2] / "streams" / "normalise" / "samples"


def test_package_samples_are_the_fixtures():
    for folder in ("anpa", "iptc7901", "feeds", "jsonfeed", "html"):
        fixtures = {p.name: p.read_bytes() for p in (FIXTURES / folder).iterdir() if p.suffix != ".md"}
        shipped = {p.name: p.read_bytes() for p in (PACKAGE_SAMPLES / folder).iterdir()}
        assert shipped == fixtures, folder


def test_bench_quick_reports_every_format():
    assert BENCHMARKS["normalise"] == "streams.bench.normalise"
    report = run("normalise", quick=True)
    formats = {row[0] for row in report.rows}
    assert {"anpa-1312", "iptc-7901", "rss-atom", "json-feed", "html", "text", "ninjs", "newsml-g2", "nitf", "newsml-1.2", "all (mix)"} <= formats
    assert all(row[3] > 0 for row in report.rows)  # items/s measured for every row
    assert "items/s" in render(report)
