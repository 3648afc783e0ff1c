"""The normalise benchmark runs from the package alone, on samples identical to the test fixtures."""

from pathlib import Path

from streams.bench import BENCHMARKS, render, run

from .conftest import FIXTURES

PACKAGE_SAMPLES = Path(__file__).resolve().parents[2] / "streams" / "normalise" / "samples"


def test_fixture_folders_are_the_package_samples():
    # One copy: the test fixtures are symlinks into the package, which the benchmark reads.
    for folder in ("anpa", "iptc7901", "feeds", "jsonfeed", "html"):
        assert (FIXTURES / folder).resolve() == (PACKAGE_SAMPLES / folder).resolve(), folder
        assert any(p.suffix != ".md" for p in (PACKAGE_SAMPLES / folder).iterdir())


def test_bench_quick_reports_every_format():
    assert BENCHMARKS["normalise"] == "streams.bench.normalise"
    report = run("normalise", quick=True)
    formats = {row[0] for row in report.rows}
    assert {"anpa-1312", "iptc-7901", "rss-atom", "json-feed", "html", "text", "ninjs", "newsml-g2", "nitf", "newsml-1.2", "all (mix)"} <= formats
    assert all(row[3] > 0 for row in report.rows)  # items/s measured for every row
    assert "items/s" in render(report)
