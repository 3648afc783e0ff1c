"""The data files: generated gazetteer is current, curated files are consistent, API surface."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pycountry
import yaml

import streams.tagging as tagging
from streams.tagging._lexicon import DATA_DIR

ROOT = Path(__file__).resolve().parents[2]


def test_public_surface():
    assert sorted(tagging.__all__) == ["StorylineRuleError", "Tagger"]
    assert issubclass(tagging.StorylineRuleError, ValueError)


def _generator():
    spec = importlib.util.spec_from_file_location("build_gazetteer", ROOT / "scripts" / "build_gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_places_json_is_current():
    gen = _generator()
    current = (DATA_DIR / "places.json").read_text(encoding="utf-8")
    assert gen.render(gen.build(json.loads(current)["min_population"])) == current, \
        "places.json is stale: run scripts/build_gazetteer.py"


def test_places_json_content():
    data = json.loads((DATA_DIR / "places.json").read_text(encoding="utf-8"))
    assert len(data["countries"]) >= 249
    names = {c["name"] for c in data["cities"]}
    assert {"Caracas", "Havana", "Kyiv", "Tbilisi", "Amman"} <= names
    # Common words and ambiguous names are left out.
    assert not names & {"Of", "Nice", "Mobile", "Reading", "Washington", "Victoria", "Male"}


def test_m49_covers_every_country_once():
    regions = yaml.safe_load((DATA_DIR / "m49.yaml").read_text(encoding="utf-8"))["regions"]
    seen: dict[str, str] = {}
    for code, info in regions.items():
        for country in info.get("countries", []):
            assert country not in seen, (country, code, seen.get(country))
            seen[country] = code
    iso = {c.alpha_2 for c in pycountry.countries} - {"AQ"}
    assert iso <= set(seen)
    assert {str(r.get("parent")) for r in regions.values() if r.get("parent")} <= set(regions)


def test_curated_codes_exist():
    iso = {c.alpha_2 for c in pycountry.countries} | {"XK"}
    people = yaml.safe_load((DATA_DIR / "people.yaml").read_text(encoding="utf-8"))["people"]
    orgs = yaml.safe_load((DATA_DIR / "organisations.yaml").read_text(encoding="utf-8"))["organisations"]
    orgs += yaml.safe_load((DATA_DIR / "companies.yaml").read_text(encoding="utf-8"))["companies"]
    for entry in people + orgs:
        assert entry["country"] is None or entry["country"] in iso, entry
    aliases = yaml.safe_load((DATA_DIR / "place_aliases.yaml").read_text(encoding="utf-8"))
    assert set(aliases["countries"]) <= iso
    for spec in aliases["ambiguous"].values():
        for reading in spec["readings"]:
            assert reading.get("place") is None or reading["place"] in iso


def test_dateline_cities_json_is_current():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_dateline_cities", ROOT / "scripts" / "build_dateline_cities.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (DATA_DIR / "dateline_cities.json").read_text(encoding="utf-8")
    assert current == module.render(module.build(100_000)), "dateline_cities.json is stale: run scripts/build_dateline_cities.py"
