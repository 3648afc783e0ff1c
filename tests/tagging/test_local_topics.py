"""Topic phrases in other languages (topics_local.yaml): each only on items in its language."""

from __future__ import annotations

import pytest
import yaml

from streams.tagging._lexicon import DATA_DIR

from .conftest import make_item


def topics(tagger, body: str, language: str | None, headline: str = "") -> set[str]:
    item = make_item(body, headline=headline).model_copy(update={"language": language})
    return {t.name for t in tagger.tag(item).topics}


@pytest.mark.parametrize("language, body, topic", [
    ("de", "Die Bundesregierung will das Gesetz noch vor der Sommerpause durch den Bundestag bringen; "
           "die Koalition ist sich einig.", "politics"),
    ("de", "Nach dem Erdbeben suchten Rettungskräfte und Feuerwehr die ganze Nacht nach Verschütteten.",
     "disaster, accident and emergency incident"),
    ("fr", "L'entraîneur a contesté la décision de l'arbitre, et son équipe perd la tête du championnat.", "sport"),
    ("es", "Un terremoto de magnitud 6,1 sacudió la costa; los bomberos atendieron a decenas de heridos.",
     "disaster, accident and emergency incident"),
    ("es", "El banco central mantuvo los tipos de interés pese a la inflación.", "economy, business and finance"),
    ("it", "Allerta meteo per il maltempo: piogge e temporali su tutto il Nord.", "weather"),
])
def test_local_phrases_find_the_topic(tagger, language, body, topic):
    assert topic in topics(tagger, body, language)


def test_local_phrases_only_in_their_language(tagger):
    german = "Krieg, Waffenruhe und Friedensverhandlungen: die Armee meldet neue Kämpfe."
    assert "conflict, war and peace" in topics(tagger, german, "de")
    # The same words in an item of another language (or of unknown language, which is read as
    # English) are not phrases there.
    for language in ("en", "fr", None):
        assert "conflict, war and peace" not in topics(tagger, german, language), language


def test_one_phrase_is_not_a_topic(tagger):
    # As in English: one generic word, even said twice, does not make a topic.
    assert "politics" not in topics(tagger, "Die Regierung hat am Dienstag ein Foto der Regierung gezeigt.", "de")


def test_local_topics_data():
    local = yaml.safe_load((DATA_DIR / "topics_local.yaml").read_text(encoding="utf-8"))
    codes = {t["code"] for t in yaml.safe_load((DATA_DIR / "topics.yaml").read_text(encoding="utf-8"))["topics"]}
    assert {"de", "fr", "es", "it"} <= set(local["languages"])
    for lang, by_code in local["languages"].items():
        assert len(lang) == 2 and lang.islower(), lang
        assert set(by_code) <= codes, (lang, set(by_code) - codes)
        for phrases in by_code.values():
            assert all(0 < float(w) <= 2 for w in phrases.values())
