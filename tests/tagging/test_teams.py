"""Teams and competitions (sports_teams.yaml) as evidence of sport, in every language."""

from __future__ import annotations

import yaml

from streams.tagging._lexicon import DATA_DIR

from .conftest import make_item

SPORT = "medtop:15000000"


def topics(tagger, body: str, *, language: str | None = "en", headline: str = "") -> dict:
    item = make_item(body, headline=headline).model_copy(update={"language": language})
    return {t.code: t for t in tagger.tag(item).topics}


def test_two_teams_make_a_sport_story(tagger):
    # A preview that names the teams and the ballpark, and no sport word the phrases know.
    body = ("The Phillies welcome the Arizona Diamondbacks tonight at Citizens Bank Park, after a "
            "three-game sweep of the Atlanta Braves.")
    found = topics(tagger, body)
    assert SPORT in found
    assert {e.text for e in found[SPORT].evidence} >= {"Phillies", "Arizona Diamondbacks", "Atlanta Braves"}


def test_teams_count_in_any_language(tagger):
    # German copy gets no topics from the English phrases, but club names are the same names.
    body = "Borussia Dortmund empfängt am Samstag den FC Bayern. Der Trainer sprach von einem Endspiel."
    assert SPORT in topics(tagger, body, language="de")
    assert SPORT in topics(tagger, "Il Real Madrid ha vinto la Champions League per la quindicesima volta.", language="it")


def test_english_phrases_stay_off_in_other_languages(tagger):
    # Only the proper names count in other languages: these English phrases (tournament,
    # championship, coach) would make sport in English copy, but not in German.
    body = "Der Coach sagte, das Tournament und die Championship seien für den Verein wichtig."
    assert SPORT in topics(tagger, body, language="en")
    assert SPORT not in topics(tagger, body, language="de")


def test_one_team_is_not_enough(tagger):
    body = "Dallas Cowboys owner Jerry Jones bought a ranch in Texas, records showed on Tuesday."
    assert SPORT not in topics(tagger, body)


def test_words_that_name_teams_only_in_full(tagger):
    for body in ("Cardinals gathered in the Sistine Chapel as the Heat wave hit Rome.",
                 "Senators and Rangers met the Jets' pilots and the Kings of Jordan and Morocco."):
        assert SPORT not in topics(tagger, body), body


def test_listed_names_are_unique_and_not_lowercase_words():
    spec = yaml.safe_load((DATA_DIR / "sports_teams.yaml").read_text(encoding="utf-8"))
    names = list(spec["competitions"]) + [n for teams in spec["leagues"].values() for team in teams for n in team]
    assert len(names) == len(set(names))
    # Matched with a capital first letter: a name must start with one (or a digit: "76ers").
    assert all(str(n)[:1].isupper() or str(n)[:1].isdigit() for n in names)
