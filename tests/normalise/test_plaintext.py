"""Plain-text captures from other layouts: the seed's mechanisms are general, not seed-shaped."""

from datetime import UTC, datetime

import pytest

from streams.normalise.datelines import find
from streams.normalise.plaintext import _is_time_line, trim_clutter

from .conftest import one, raw_of
from streams.normalise import normalise


def test_ap_layout_headline_byline_est_time_and_related_clutter():
    item = one("text/ap_caracas.txt")
    assert item.headline == "Venezuela says it will not bow to pressure"
    assert "headline" not in item.derived
    assert item.byline == "Regina Garcia Cano"
    assert item.versioncreated == datetime(2025, 12, 4, 20, 15, tzinfo=UTC)  # 3:15 PM EST
    assert item.source.agency == "AP"
    assert item.dateline.place == "CARACAS"
    assert item.located == "CARACAS, Venezuela"
    assert item.body_text.startswith("CARACAS, Venezuela (AP) —")
    assert item.body_text.endswith("in recent weeks.")
    assert "Related articles" not in item.body_text and "Oil prices" not in item.body_text
    assert item.associations == {}


def test_afp_layout_without_header_and_most_read_clutter():
    item = one("text/afp_paris.txt")
    assert item.source.agency == "AFP"
    assert item.dateline.place == "PARIS"
    assert item.versioncreated is None
    assert item.body_text.count("\n\n") == 2
    assert "Most read" not in item.body_text and "Storm" not in item.body_text
    assert item.headline.startswith("France's parliament on Thursday adopted")


def test_kyodo_edt_time_line_and_page_furniture():
    item = one("text/kyodo_edt.txt")
    assert item.versioncreated == datetime(2025, 10, 3, 13, 5, tzinfo=UTC)  # 9:05 AM EDT
    assert item.source.agency == "Kyodo"
    assert item.dateline.date_text == "Oct. 3"
    assert "Advertisement" not in item.body_text and "Share" not in item.body_text
    assert item.body_text.endswith("next year.")
    assert "the government said" not in item.headline


def test_no_dateline_first_short_line_is_the_headline():
    item = one("text/no_dateline.txt")
    assert item.headline == "City council approves new cycling lanes"
    assert item.dateline is None and item.source.agency is None
    assert item.body_text.startswith("The city council on Tuesday")
    assert "Mayor unveils budget" not in item.body_text


@pytest.mark.parametrize(
    ("line", "place", "agency"),
    [
        ("WASHINGTON, Dec 5 (Reuters) – The U.S. said", "WASHINGTON", "Reuters"),
        ("CARACAS, Venezuela (AP) — Venezuela said", "CARACAS", "AP"),
        ("PARIS (AFP) - France said", "PARIS", "AFP"),
        ("GROSSETO, Italy (AP) -- The trial", "GROSSETO", "AP"),
        ("TOKYO, Dec. 6 (Kyodo) -- Japan", "TOKYO", "Kyodo"),
        ("BERLIN (dpa) - Die Regierung", "BERLIN", "dpa"),
        ("MADRID, 5 dic (EFE).- El Gobierno", "MADRID", "EFE"),
        ("(ANSA) - ROMA, 5 DIC - Il governo", "ROMA", "ANSA"),
        ("BEIJING, Dec. 5 (Xinhua) -- China", "BEIJING", "Xinhua"),
        ("NEW YORK, Dec 5 (Bloomberg) -- Stocks", "NEW YORK", "Bloomberg"),
        ("WASHINGTON, Dec. 5 (UPI) -- The", "WASHINGTON", "UPI"),
        ("NEW YORK, Dec. 5, 2025 /PRNewswire/ -- Acme", "NEW YORK", "PR Newswire"),
        ("KANSAS CITY, Mo.--(BUSINESS WIRE)--With more", "KANSAS CITY", "Business Wire"),
        ("Rio de Janeiro (Reuters) - Brazil", "Rio de Janeiro", "Reuters"),
        ("BERLIN — Chancellor Merz said", "BERLIN", None),
        ("San Diego (tca/dpa) - The city council", "San Diego", "dpa"),
        ("SEOUL, Nov 26 AFP - North Korea fired", "SEOUL", "AFP"),
        ("Sydney, Dec 2 AAP - Australia said", "Sydney", "AAP"),
        ("(ANSA) - Rome, October 11 - Italy said", "Rome", "ANSA"),
    ],
)
def test_dateline_styles(line, place, agency):
    found = find(line)
    assert found is not None
    assert (found.place, found.agency) == (place, agency)


@pytest.mark.parametrize(
    "line",
    ["The company (Apple) - said", "Er sagte (dpa) - nichts", "Stocks rose on Friday.", "The talks ended on Dec 2 AFP - reported"],
)
def test_not_datelines(line):
    assert find(line) is None


def test_trim_clutter_keeps_signoff_and_a_list_only_text():
    story = ["LONDON (Reuters) - Prices rose.", "(Reporting by A; Editing by B)", "More from Reuters", "Other story"]
    assert trim_clutter(story) == story[:2]
    listing = ["Alpha", "Beta", "Gamma"]
    assert trim_clutter(listing) == listing


def test_html_page_is_text_with_figure_caption_apart():
    page = (
        "<html><body><h1>Storm hits coast</h1><figure><img src=x><figcaption>Waves on the pier.</figcaption></figure>"
        "<p>LISBON (Lusa) - A storm hit the coast on Monday.</p><p>Ferries were cancelled.</p></body></html>"
    )
    [item] = normalise(raw_of(page))
    assert item.headline == "Storm hits coast"
    assert item.source.agency == "Lusa"
    assert item.associations["picture1"].description_text == "Waves on the pier."
    assert item.body_text == "LISBON (Lusa) - A storm hit the coast on Monday.\n\nFerries were cancelled."


def test_a_title_case_subject_after_the_agency_is_not_a_place():
    # "(AFP) - French President Emmanuel Macron - ..." has no date: the agency only.
    found = find("(AFP) - French President Emmanuel Macron - speaking in Paris, said")
    assert found is not None and (found.place, found.agency) == (None, "AFP")


@pytest.mark.parametrize(
    ("line", "agency"),
    [("Pyongyang, Dec 2 (KCNA) -- North Korea said", "KCNA"), ("Kyiv (Ukrinform) - Ukraine said", "Ukrinform"),
     ("Hanoi, Dec 2 (VNA) - Vietnam said", "VNA"), ("Havana (Prensa Latina) - Cuba said", "Prensa Latina")],
)
def test_national_agencies_in_datelines_are_known(line, agency):
    # A title-case place takes a known agency (an unknown one needs a place in capitals).
    found = find(line)
    assert found is not None and found.agency == agency


def test_cjk_time_line_is_read_but_a_sentence_mentioning_a_time_is_story():
    assert _is_time_line("2025年12月2日 15時30分 配信")
    assert _is_time_line("입력 2025년 12월 2일 오후 3:30")
    assert not _is_time_line("政府は2025年12月2日午後3時に記者会見を開いた。")
