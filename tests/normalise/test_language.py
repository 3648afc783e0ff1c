"""Language detection (CLD2) where the source names no language."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise.language import detect, normalise_tag

LEADS = {
    "en": "The central bank left interest rates unchanged on Thursday, saying inflation was easing faster than expected.",
    "de": "Die Zentralbank hat den Leitzins am Donnerstag unverändert gelassen, weil die Inflation schneller sinkt als erwartet.",
    "fr": "La banque centrale a laissé ses taux inchangés jeudi, estimant que l'inflation ralentissait plus vite que prévu.",
    "es": "El banco central dejó sin cambios los tipos de interés el jueves, al considerar que la inflación baja más rápido.",
    "sv": "Centralbanken lämnade räntan oförändrad på torsdagen och sade att inflationen sjunker snabbare än väntat.",
    "ja": "日本銀行は木曜日、金融政策決定会合で政策金利を据え置くことを決めた。物価上昇の鈍化が予想より速いとした。",
}


@pytest.mark.parametrize("lang", sorted(LEADS))
def test_news_leads_are_detected(lang):
    code, share = detect(LEADS[lang])
    assert code == lang
    assert 0.5 <= share <= 1.0


def test_too_little_text_is_not_guessed():
    assert detect("Reuters") == (None, 0.0)
    assert detect("12:45 | 3-1 | 7,8") == (None, 0.0)


@given(st.text(max_size=400))
def test_detect_never_raises_and_stays_in_range(text):
    code, share = detect(text)
    assert (code is None and share == 0.0) or (isinstance(code, str) and 0.0 < share <= 1.0)


def test_lone_surrogates_do_not_crash():
    assert detect("Die Zentralbank hat den Leitzins \ud800 unverändert gelassen, weil die Inflation sinkt.")[0] in (None, "de")


def test_tags_are_normalised():
    assert normalise_tag("en_us ") == "en-US"
    assert normalise_tag("nb-NO") == "nb-NO"
    assert normalise_tag("not a tag") is None
