#!/usr/bin/env python3
"""Generate ``streams/tagging/data/local_place_names.json``: country and city names as other
languages write them, from the Unicode CLDR (through Babel).

The gazetteer (places.json, place_aliases.yaml) names places in English. A German item says
"Deutschland", "Wien" and "Moskau", a Swedish one "Tyskland" and "Norge": without these names a
non-English story got no places but its dateline's. For each language in ``LANGUAGES`` this takes
CLDR's territory names (every country) and its exemplar cities of time zones, which CLDR lists
where the language spells a city differently ("Wien", "Moskau", "Kopenhagen"); a city's country
and capital flag come from the time zone's territory and places.json.

The tagger uses a language's names only on items in that language (``Tagger.tag``), so a Spanish
"Granada" (Grenada) never reaches English copy; names a language shares with the English
gazetteer are left to it at load time. Names to leave out anyway (a city that a country's local
name would shadow) are listed by language in ``local_names_exclude`` of place_aliases.yaml.

    .venv/bin/python scripts/build_local_place_names.py            # rewrite the file
    .venv/bin/python scripts/build_local_place_names.py --check    # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import babel
import yaml
from babel import Locale
from babel.core import get_global

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gazetteer_files import fold, render, write_or_check  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "streams" / "tagging" / "data"
OUT = DATA / "local_place_names.json"

# Wire languages whose place names stand uninflected in running text (Finnish "Saksassa" or
# Polish "Niemczech" would need a morphology, not a list).
LANGUAGES = ("da", "de", "es", "fr", "it", "nb", "nl", "pt", "sv")


def spellings(name: str) -> list[str]:
    """CLDR's display form as names a story writes: soft hyphens out, "Yangón (Rangún)" as two."""
    name = name.replace("\u00ad", "")
    head, _, rest = name.partition(" (")
    return [n for n in (head.strip(), rest.rstrip(")").strip()) if n]


def build() -> dict:
    places = json.loads((DATA / "places.json").read_text(encoding="utf-8"))
    curated = yaml.safe_load((DATA / "place_aliases.yaml").read_text(encoding="utf-8"))
    exclude = {lang: {fold(n) for n in names} for lang, names in (curated.get("local_names_exclude") or {}).items()}
    countries = set(places["countries"])
    capitals = {fold(c["name"]): c["capital"] for c in places["cities"]}
    # A local city name is kept only for a city the English side knows (the gazetteer or the
    # dateline list): CLDR's zone cities include islands, bases and outposts.
    known = set(capitals) | set(json.loads((DATA / "dateline_cities.json").read_text(encoding="utf-8"))["cities"])
    zone_country = get_global("zone_territories")
    english = Locale.parse("en")
    out: dict[str, dict] = {}
    for lang in LANGUAGES:
        loc = Locale.parse(lang)
        skip = exclude.get(lang, set())
        names: dict[str, list[str]] = {}
        for code, name in sorted(loc.territories.items()):
            if code in countries:
                names[code] = [n for n in spellings(name) if fold(n) not in skip]
        cities: dict[str, dict] = {}
        for zone, info in sorted(loc.time_zones.items()):
            city = info.get("city")
            code = zone_country.get(zone)
            if not city or code not in countries:
                continue
            english_city = (english.time_zones.get(zone) or {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
            if fold(english_city) not in known:
                continue
            for spelling in spellings(city):
                if len(spelling) < 4 or fold(spelling) in skip or fold(spelling) == fold(english_city):
                    continue  # spelled as in English: the gazetteer has it, or left it out on purpose
                cities[spelling] = {"country": code, "capital": bool(capitals.get(fold(english_city), False))}
        out[lang] = {"countries": names, "cities": cities}
    return {
        "generated_by": "scripts/build_local_place_names.py",
        "source": f"Unicode CLDR through Babel {babel.__version__}",
        "languages": out,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the file is current")
    args = parser.parse_args(argv)
    text = render(build())
    data = json.loads(text)["languages"]
    summary = ", ".join(f"{k} {len(v['countries'])}+{len(v['cities'])}" for k, v in data.items())
    return write_or_check(OUT, text, check=args.check, script=Path(__file__).name, summary=summary)


if __name__ == "__main__":
    sys.exit(main())
