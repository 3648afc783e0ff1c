"""Places: names, aliases, demonyms, cities, people, ambiguity and scoring."""

from __future__ import annotations

import pytest


def places(tagger, item_factory, body, **kw):
    return {t.code: t for t in tagger.tag(item_factory(body, **kw)).places}


@pytest.mark.parametrize("text", [
    "Officials in the U.S. said the talks would resume.",
    "The United States said the talks would resume.",
    "The USA said the talks would resume.",
    "US officials said the talks would resume.",
])
def test_us_aliases(tagger, item_factory, text):
    assert "US" in places(tagger, item_factory, text)


def test_lowercase_us_is_not_a_country(tagger, item_factory):
    assert "US" not in places(tagger, item_factory, "He told us that the plan would work for all of us.")


def test_america_only_in_context(tagger, item_factory):
    assert "US" in places(tagger, item_factory, "Trump promised to put America first.")
    for text in ("Exports to Latin America rose.", "Tourism in South America grew.",
                 "Central America faces drought.", "The Americas summit opened."):
        assert "US" not in places(tagger, item_factory, text), text


def test_demonyms(tagger, item_factory):
    found = places(tagger, item_factory, "Venezuelan and Cuban officials met Brazilians and Chinese diplomats.")
    assert {"VE", "CU", "BR", "CN"} <= set(found)


def test_capitals_and_cities(tagger, item_factory):
    found = places(tagger, item_factory, "Talks moved from Caracas to Havana, then to Kyiv and Sao Paulo.")
    assert {"VE", "CU", "UA", "BR"} <= set(found)


def test_accented_names_keep_offsets(tagger, item_factory):
    body = "Delegates met in Bogotá and São Paulo before flying to Côte d’Ivoire."
    found = places(tagger, item_factory, body)
    assert {"CO", "BR", "CI"} <= set(found)
    for tag in found.values():
        for ev in tag.evidence:
            assert body[ev.start:ev.end] == ev.text
    assert any(ev.text == "Côte d’Ivoire" for ev in found["CI"].evidence)


def test_people_point_at_their_country(tagger, item_factory):
    assert "VE" in places(tagger, item_factory, "Nicolas Maduro spoke on television.")


@pytest.mark.parametrize("body, expected, absent", [
    ("Georgia's ruling party said it would seek closer ties with Moscow as protesters gathered in Tbilisi.",
     "GE", "US"),
    ("Georgia Governor Brian Kemp said the state would add polling sites in Atlanta and Savannah.", "US", "GE"),
])
def test_georgia(tagger, item_factory, body, expected, absent):
    found = places(tagger, item_factory, body)
    assert expected in found and absent not in found


@pytest.mark.parametrize("body, is_country", [
    ("Jordan said it had intercepted drones over Amman, the Jordanian army said.", True),
    ("Jordan closed its border crossing with Syria on Tuesday.", True),
    ("Michael Jordan said he would sell his stake in the team.", False),
    ("Jordan said the lecture had been cancelled and apologised to students.", False),
    ("Jordan Peterson will speak at the event.", False),
])
def test_jordan(tagger, item_factory, body, is_country):
    assert ("JO" in places(tagger, item_factory, body)) is is_country


def test_niger_and_nigeria_are_distinct(tagger, item_factory):
    found = places(tagger, item_factory, "Niger's junta expelled the ambassador. Nigeria closed its border.")
    assert {"NE", "NG"} <= set(found)
    niger = [ev.text for ev in found["NE"].evidence]
    assert "Niger" in niger and "Nigeria" not in niger
    only_nigeria = places(tagger, item_factory, "Nigerian officials met in Abuja and Lagos.")
    assert "NG" in only_nigeria and "NE" not in only_nigeria


@pytest.mark.parametrize("body, is_us", [
    ("Officials in Washington said the sanctions would stay.", True),
    ("Washington and Beijing agreed to resume trade talks.", True),
    ("Denzel Washington won the award for best actor.", False),
    ("The actor George Washington Carver Jr. was honoured.", False),
])
def test_washington(tagger, item_factory, body, is_us):
    assert ("US" in places(tagger, item_factory, body)) is is_us


@pytest.mark.parametrize("body, code, present", [
    ("Turkey's central bank raised rates as the lira fell in Istanbul.", "TR", True),
    ("The family roasted a turkey for Thanksgiving dinner.", "TR", False),
    ("Families bought a Turkey for Thanksgiving, with stuffing and gravy.", "TR", False),
    # A restaurant chain's menu, as a press release capitalises it.
    ("New on the lunch menu: The Classic Turkey Breast Sandwich and the Turkey Bacon Avocado Sandwich.", "TR", False),
    ("Chad closed its border with Sudan, officials in N'Djamena said.", "TD", True),
    ("Chad Smith scored two goals for the club.", "TD", False),
    ("the ballots showed a hanging chad in one county.", "TD", False),
])
def test_common_word_countries(tagger, item_factory, body, code, present):
    assert (code in places(tagger, item_factory, body)) is present


def test_word_boundaries(tagger, item_factory):
    # "Oman" inside "woman", "Iran" inside "Tirana", "Chad" inside "Chadwick".
    found = places(tagger, item_factory, "A woman from Tirana met Chadwick Boseman.")
    assert "OM" not in found and "IR" not in found and "TD" not in found
    assert "AL" in found


def test_longest_name_wins(tagger, item_factory):
    found = places(tagger, item_factory, "Fighting in South Sudan spread, while Papua New Guinea and Guinea-Bissau voted.")
    assert {"SS", "PG", "GW"} <= set(found)
    assert "SD" not in found and "GN" not in found


def test_dateline_counts_but_subject_wins(tagger, item_factory):
    body = ("The United States imposed new sanctions on Venezuela on Friday, targeting Venezuela's oil "
            "exports. Venezuela's government called the move illegal. Venezuelan officials said Caracas "
            "would respond. U.S. officials said more measures could follow.")
    tags = tagger.tag(item_factory(body, dateline="WASHINGTON")).places
    assert tags[0].code == "VE" and tags[0].primary
    us = next(t for t in tags if t.code == "US")
    assert any(ev.field == "dateline" and ev.text == "WASHINGTON" for ev in us.evidence)
    assert not us.primary  # one actor named once, plus the dateline: not the subject


def test_two_countries_in_one_dispute_are_both_primary(tagger, item_factory):
    body = ("Japan and South Korea held talks on Tuesday over their trade dispute. Japanese officials "
            "said Japan would ease export curbs if South Korea dropped its complaint; South Korean "
            "negotiators said Seoul wanted more. Australia's envoy attended as an observer.")
    tags = tagger.tag(item_factory(body, headline="Japan, South Korea hold trade talks")).places
    assert {t.code for t in tags if t.primary} == {"JP", "KR"}
    # A passing mention (an observer named once) is not a subject of the story.
    assert "AU" not in {t.code for t in tags}


def test_dateline_qualifiers_and_dateline_only_cities(tagger):
    from streams.models import Dateline
    from tests.tagging.conftest import make_item

    item = make_item("The company said it will redeem its debentures.")
    for text, place, code in (("WILMINGTON, Del., Feb 26 -", "WILMINGTON", "US"),
                              ("CALGARY, Alberta, Feb 26 -", "CALGARY", "CA"),
                              ("SOWETO, South Africa, March 2 -", "SOWETO", "ZA"),
                              ("ROTTERDAM, March 2 -", "ROTTERDAM", "NL")):
        tagged = tagger.tag(item.model_copy(update={"dateline": Dateline(place=place, text=text)})).places
        assert [t.code for t in tagged] == [code], text
        ev = tagged[0].evidence[0]
        source = text if ev.field == "dateline_text" else place
        assert source[ev.start:ev.end] == ev.text


def test_currency_and_enumerations_are_not_subjects(tagger, item_factory):
    body = ("Taiwan's offshore banking assets rose to 6.28 billion U.S. dlrs in January, the central bank "
            "said. Delegates from Egypt, Zambia, Djibouti and Mali attended a regional meeting in Taipei.")
    codes = {t.code for t in tagger.tag(item_factory(body, dateline="TAIPEI")).places}
    assert codes == {"TW"}


def test_dateline_country_decides_an_ambiguous_name(tagger, item_factory):
    body = "The company revised its data processing agreement with First Union Corp of Georgia."
    codes = {t.code for t in tagger.tag(item_factory(body, dateline="ATLANTA")).places}
    assert "GE" not in codes


def test_dateline_alone_gives_a_place(tagger, item_factory):
    tags = tagger.tag(item_factory("Officials said the meeting went well.", dateline="CARACAS")).places
    assert [t.code for t in tags] == ["VE"]
    assert tags[0].evidence[0].field == "dateline"


def test_headline_and_lead_weigh_more(tagger, item_factory):
    body = "Peru's president resigned on Monday.\nAnalysts in Chile said markets in Chile were calm."
    tags = {t.code: t for t in tagger.tag(item_factory(body, headline="Peru's president resigns")).places}
    assert tags["PE"].primary
    assert tags["PE"].score > tags["CL"].score


def test_scores_are_bounded_and_ordered(tagger, item_factory):
    tags = tagger.tag(item_factory("France, France, France and Spain. Italy too.")).places
    scores = [t.score for t in tags]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s < 1 for s in scores)
    assert tags[0].code == "FR"


def test_hub_dateline_alone_is_not_the_subject(tagger, item_factory):
    # Filed in London about coffee quotas: Britain is where the reporter stands, not the story.
    item = item_factory("Coffee exporters will modify their proposal on quotas, delegates said.",
                        headline="ICO EXPORTERS TO MODIFY PROPOSAL", dateline="LONDON")
    assert "GB" not in {t.code for t in tagger.tag(item).places}
    # ... but a LONDON story that names Britain itself is about Britain.
    item = item_factory("Britain's trade deficit widened in January, British officials said.", dateline="LONDON")
    assert "GB" in {t.code for t in tagger.tag(item).places}


def test_ordinary_dateline_counts_for_a_company_story(tagger, item_factory):
    item = item_factory("Ivaco Inc said price pressure in the U.S. will hold down first quarter earnings.",
                        headline="IVACO SEES MINIMAL EARNINGS", dateline="MONTREAL")
    places = tagger.tag(item).places
    assert places[0].code == "CA"


def test_country_inside_an_organisation_name(tagger, item_factory):
    item = item_factory("The Japan Fund Inc said it received an offer for its assets.",
                        headline="THE JAPAN FUND GETS BUYOUT OFFER", dateline="NEW YORK")
    assert "JP" not in {t.code for t in tagger.tag(item).places}
    # The same name acting as a country is kept.
    item = item_factory("Japan said it would open its market to U.S. car parts.", headline="JAPAN TO OPEN MARKET")
    assert "JP" in {t.code for t in tagger.tag(item).places}


def test_country_followed_by_a_verb_is_not_an_adjective(tagger, item_factory):
    item = item_factory("Sudan's army and Kenya's government met in Nairobi; Poland sent aid.")
    assert "PL" in {t.code for t in tagger.tag(item).places}


def test_currency_word_used_as_a_verb_leaves_the_country_acting(tagger, item_factory):
    # "pounds", "marks", "won" after a country are verbs unless an amount stands before it.
    for headline, body, code in (
        ("Russia pounds power grid", "Russia pounds the power grid with missiles overnight.", "RU"),
        ("Germany marks the anniversary", "Germany marks the anniversary with ceremonies.", "DE"),
    ):
        acting = {t.code: t.score for t in tagger.tag(item_factory(body, headline=headline)).places}
        money = tagger.tag(item_factory(f"The fund raised 50 mln {body.split()[0]} {body.split()[1]} last year.",
                                        headline="Fund closes")).places
        assert code in acting, headline
        assert acting[code] > max((t.score for t in money if t.code == code), default=0.0)


def test_currency_word_with_an_amount_still_names_money(tagger, item_factory):
    body = ("Dow Chemical launched a bond of 200 mln Swiss francs and a tranche of 50 mln stg pounds, "
            "lead manager Union Bank said in Chicago.")
    codes = {t.code for t in tagger.tag(item_factory(body, headline="Dow Chemical launches bond")).places}
    assert "CH" not in codes
