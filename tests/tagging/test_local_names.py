"""Places as other languages name them (local_place_names.json, from CLDR): only in that language."""

from __future__ import annotations

import importlib.util
import json

import pytest

from streams.tagging._lexicon import DATA_DIR

from .conftest import make_item
from .test_data import ROOT


def places(tagger, body: str, language: str | None, *, headline: str = "", dateline: str | None = None) -> dict:
    item = make_item(body, headline=headline, dateline=dateline).model_copy(update={"language": language})
    return {t.code: t for t in tagger.tag(item).places}


GERMAN = ("Die Regierung in Wien hat am Dienstag neue Gespräche mit Deutschland angekündigt. "
          "Der Kanzler reist dafür nach Moskau und Warschau.")


def test_local_country_and_city_names_in_their_language(tagger):
    found = places(tagger, GERMAN, "de")
    assert {"AT", "DE", "RU", "PL"} <= set(found)
    assert [e.text for e in found["AT"].evidence] == ["Wien"]
    assert [e.text for e in found["DE"].evidence] == ["Deutschland"]


def test_local_names_need_the_items_language(tagger):
    # The same words in an English (or unlabelled) item are not names it knows: "Wien" or a
    # Spanish "Roma" would be a surname or a word there.
    for language in ("en", None, "fr"):
        assert not {"AT", "DE", "RU", "PL"} & set(places(tagger, GERMAN, language)), language


def test_region_subtags_and_norwegian_aliases(tagger):
    assert "DE" in places(tagger, GERMAN, "de-AT")
    for tag in ("nb", "no", "nn", "nb-NO"):
        assert "NO" in places(tagger, "Regjeringen i Norge la fram budsjettet torsdag.", tag), tag


def test_genitive_s(tagger):
    assert "DE" in places(tagger, "Deutschlands Wirtschaft wächst wieder.", "de")
    assert "SE" in places(tagger, "Sveriges regering presenterade budgeten.", "sv")
    assert "SE" not in places(tagger, "Sveriges regering presenterade budgeten.", "es")


def test_other_languages(tagger):
    assert {"FR", "BE"} <= set(places(tagger, "Le président a quitté la France pour Bruxelles mardi.", "fr"))
    assert {"DE", "MX"} <= set(places(tagger, "El canciller viajó de Alemania a Ciudad de México.", "es"))
    assert {"CN", "IT"} <= set(places(tagger, "Il ministro ha incontrato a Roma una delegazione della Cina.", "it"))
    assert "GB" in places(tagger, "De premier van het Verenigd Koninkrijk sprak dinsdag.", "nl")


def test_excluded_names_stay_out(tagger):
    # Spanish "Granada" is the Andalusian city far more often than Grenada (local_names_exclude).
    assert "GD" not in places(tagger, "La feria de Granada abrió sus puertas el lunes.", "es")


def test_local_dateline(tagger):
    found = places(tagger, "Die Regierung kündigte am Dienstag ein neues Paket an.", "de", dateline="WIEN")
    assert "AT" in found and found["AT"].primary


def test_english_names_keep_their_meaning(tagger):
    # A capitalised local name spelled like an English place name ("China", "Mexico", "Kiev") is
    # not loaded: the English entry, with its own checks and meaning, decides alone.
    from streams.tagging._lexicon import PLACE

    from streams.tagging._lexicon import TITLE

    local_keys, english_keys = set(), set()
    for key, entries in tagger._lex.entries.items():
        for entry in entries:
            if entry.kind != PLACE:
                continue
            if entry.lang is None:
                english_keys.add(key)
            elif entry.mode == TITLE:  # lower-case forms ("israelí") may extend an English key
                local_keys.add(key)
    assert len(local_keys) > 1000
    assert not local_keys & english_keys


def test_local_place_names_json_is_current():
    pytest.importorskip("babel")
    spec = importlib.util.spec_from_file_location("build_local_place_names", ROOT / "scripts" / "build_local_place_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (DATA_DIR / "local_place_names.json").read_text(encoding="utf-8")
    assert current == module.render(module.build()), "local_place_names.json is stale: run scripts/build_local_place_names.py"
    data = json.loads(current)["languages"]
    assert {"de", "fr", "es", "sv", "nb"} <= set(data)
    assert data["de"]["countries"]["DE"] == ["Deutschland"]


def people(tagger, body: str, language: str | None) -> set[str]:
    item = make_item(body).model_copy(update={"language": language})
    return {t.name for t in tagger.tag(item).people}


def test_local_spellings_of_people(tagger):
    assert "Vladimir Putin" in people(tagger, "Poutine a reçu mardi les émissaires américains au Kremlin.", "fr")
    assert "Volodymyr Zelenskiy" in people(tagger, "Selenskyj sprach am Dienstag in Kiew mit den Gesandten.", "de")
    assert "Benjamin Netanyahu" in people(tagger, "Benjamin Netanjahu traf am Montag Außenminister Wadephul.", "de")


def test_local_spellings_need_the_items_language(tagger):
    # "Poutine" in English copy is the Quebec dish.
    assert "Vladimir Putin" not in people(tagger, "Poutine is on the menu of every diner in Montreal.", "en")


def test_other_english_short_forms(tagger):
    # AP writes Zelenskyy, others Zelensky, Reuters Zelenskiy: all are the same president.
    for body in ("Zelensky said on Tuesday the talks would go on.", "Zelenskyy said on Tuesday the talks would go on."):
        assert "Volodymyr Zelenskiy" in people(tagger, body, "en"), body


def test_a_name_two_languages_share(tagger):
    # French and Italian both write "Bruxelles": each language has its own entry.
    for language, body in (("fr", "Les ministres se sont réunis à Bruxelles mardi."),
                           ("it", "I ministri si sono riuniti a Bruxelles martedì.")):
        assert "BE" in places(tagger, body, language), language


def test_local_demonyms(tagger):
    assert "US" in places(tagger, "Les émissaires américains sont arrivés mardi.", "fr")
    assert "RU" in places(tagger, "Die russische Armee meldete neue Angriffe.", "de")
    assert "UA" in places(tagger, "Le président ukrainien a reçu les émissaires.", "fr")
    assert "IL" in places(tagger, "El ejército israelí anunció nuevos ataques.", "es")
    # Whole words only, in their language only: no Russia in "Russell", none in English copy.
    assert "RU" not in places(tagger, "Russell Crowe sprach am Dienstag in Berlin.", "de")
    assert "US" not in places(tagger, "The américains were a band from Lyon.", "en")
