"""Topics: IPTC Media Topics from phrase rules, parents, and source subject codes."""

from __future__ import annotations

import re

import yaml

from streams.models import Subject
from streams.tagging._lexicon import DATA_DIR

TOP_LEVEL = {f"medtop:{n:02d}000000" for n in range(1, 18)}


def topics(tagger, item):
    return {t.code: t for t in tagger.tag(item).topics}


def test_all_17_top_level_topics_are_defined():
    data = yaml.safe_load((DATA_DIR / "topics.yaml").read_text(encoding="utf-8"))
    codes = {t["code"] for t in data["topics"]}
    assert TOP_LEVEL <= codes
    for t in data["topics"]:
        assert re.fullmatch(r"medtop:\d{8}", t["code"]), t["code"]
        assert t.get("parent") is None or t["parent"] in codes, t
        assert t["phrases"], t["code"]


def test_diplomacy_and_its_parents(tagger, item_factory):
    body = ("The foreign minister met his counterpart for talks in Geneva. Diplomats said the "
            "negotiations on a peace deal would continue, and the ambassador was recalled.")
    found = topics(tagger, item_factory(body))
    assert {"medtop:20000639", "medtop:20000638", "medtop:11000000"} <= set(found)
    assert found["medtop:20000639"].name == "diplomacy"
    assert found["medtop:11000000"].score >= found["medtop:20000639"].score


def test_armed_conflict(tagger, item_factory):
    body = "Airstrikes and shelling hit the city as fighting intensified along the front line; troops advanced."
    found = topics(tagger, item_factory(body))
    assert {"medtop:20000056", "medtop:16000000"} <= set(found)


def test_sanctions_elections_drugs_courts_terror(tagger, item_factory):
    cases = {
        "medtop:20000642": "The European Union imposed sanctions and an embargo on the country.",
        "medtop:20000574": "Voters went to the polls in a runoff election; the electoral council counted ballots.",
        "medtop:20000096": "Police seized cocaine from drug traffickers linked to a drug cartel.",
        "medtop:20000128": "The International Criminal Court issued an arrest warrant at The Hague tribunal.",
        "medtop:20000053": "The terrorist attack was claimed by Islamic State; officials called it terrorism.",
        "medtop:20000599": "The army deployed troops and warships; the Pentagon sent an aircraft carrier.",
    }
    for code, body in cases.items():
        assert code in topics(tagger, item_factory(body)), code


def test_weak_words_alone_do_not_tag(tagger, item_factory):
    assert topics(tagger, item_factory("The meeting took place on Tuesday afternoon.")) == {}


def test_hits_inside_names_do_not_count(tagger, item_factory):
    # "court" and "criminal" inside the court's name are not separate crime-and-justice cues.
    found = topics(tagger, item_factory("The International Criminal Court building opened."))
    crime = found.get("medtop:02000000")
    assert crime is None or all(ev.text == "International Criminal Court" for ev in crime.evidence)


def test_headline_counts_double(tagger, item_factory):
    weak = topics(tagger, item_factory("Officials spoke about the election."))
    strong = topics(tagger, item_factory("Officials spoke.", headline="Election called as voters tire"))
    assert "medtop:20000574" not in weak
    assert "medtop:20000574" in strong


def test_one_generic_word_repeated_is_not_a_topic(tagger, item_factory):
    # "talks" three times is not diplomacy; two different diplomacy phrases are.
    repeated = topics(tagger, item_factory("The talks went on. More talks followed. The talks ended."))
    varied = topics(tagger, item_factory("The talks went on as the ambassador met the envoy."))
    assert "medtop:20000639" not in repeated
    assert "medtop:20000639" in varied


def test_weak_side_topic_of_an_economy_story_is_dropped(tagger, item_factory):
    body = ("The central bank said the trade surplus widened and inflation eased, while the money supply "
            "grew. Interest rates were unchanged and the current account improved. Officials held talks.")
    found = topics(tagger, item_factory(body))
    assert "medtop:20000344" in found and "medtop:11000000" not in found


def test_source_subjects_are_kept_and_mapped(tagger, item_factory):
    subjects = [
        Subject(code="medtop:15000000", name="sport"),
        Subject(code="subj:11002000", name="diplomacy"),        # old Subject Code -> medtop
        Subject(code="subj:04000000"),                           # top level maps 1:1
        Subject(code="12345", scheme="internal"),                # unknown: dropped
    ]
    found = topics(tagger, item_factory("Nothing topical here.", subjects=subjects))
    assert {"medtop:15000000", "medtop:20000639", "medtop:04000000"} <= set(found)
    assert found["medtop:20000639"].name == "diplomacy"
    assert len(found) == 3


def test_exactly_one_primary_topic(tagger, item_factory):
    body = "Troops and warships were deployed as diplomats held talks and sanctions were imposed."
    tags = tagger.tag(item_factory(body)).topics
    assert sum(t.primary for t in tags) == 1


def test_agriculture_under_products_and_services(tagger, item_factory):
    item = item_factory("Indonesia's raw sugar output is likely to be 1.8 mln tonnes, and farmers are reluctant "
                        "to plant cane, the Agriculture Department said of the harvest.",
                        headline="INDONESIAN SUGAR OUTPUT SEEN SHORT OF TARGET")
    found = {t.code for t in tagger.tag(item).topics}
    assert {"medtop:20000210", "medtop:20000209", "medtop:04000000"} <= found
    item = item_factory("The foreign minister met his counterpart for talks on the border dispute.")
    assert "medtop:20000210" not in {t.code for t in tagger.tag(item).topics}


def test_stock_ticker_is_company_news(tagger, item_factory):
    for headline in ("Marriott <MHS> to sell hotel", "Marriott (NYSE: MAR) to sell hotel", "Marriott (MAR.O) to sell hotel"):
        found = topics(tagger, item_factory("It expects to close the sale in the second half.", headline=headline))
        assert "medtop:20000170" in found, headline
    assert "medtop:20000170" not in topics(tagger, item_factory("It expects to close the sale soon.",
                                                                  headline="Marriott to sell hotel <b>"))


def test_election_vocabulary_of_wire_copy(tagger, item_factory):
    body = ("Polls opened at 7 a.m. and turnout was high, the electoral commission said, with a runoff "
            "likely if no candidate wins a majority in the first round.")
    assert "medtop:20000574" in topics(tagger, item_factory(body, headline="Polls open in presidential vote"))


def test_a_landslide_victory_is_not_a_disaster(tagger, item_factory):
    body = "The ruling party won a landslide victory in the election, results showed, as voters backed the president."
    found = topics(tagger, item_factory(body, headline="Ruling party wins landslide"))
    assert "medtop:20000574" in found
    assert "medtop:03000000" not in found


def test_armed_conflict_vocabulary(tagger, item_factory):
    body = ("Paramilitary fighters launched a counteroffensive after days of artillery fire; casualties "
            "mounted as militias besieged the town and warplanes bombed supply lines.")
    assert "medtop:20000056" in topics(tagger, item_factory(body, headline="Army repels assault"))


def test_a_labour_strike_is_not_armed_conflict(tagger, item_factory):
    body = ("Writers walked off the job after contract talks broke down; the union said strikers would "
            "picket the studios until employers improve wages.")
    found = topics(tagger, item_factory(body, headline="Writers guild strikes two networks"))
    assert "medtop:09000000" in found
    assert "medtop:20000056" not in found and "medtop:16000000" not in found


def test_disaster_health_and_economy_vocabularies(tagger, item_factory):
    cases = (
        ("Quake of magnitude 6.8 hits coast", "Aftershocks shook the region and rescuers pulled survivors from the rubble.",
         "medtop:20000148"),
        ("Malaria cases rise", "Health officials said malaria and dengue infections strained hospitals and clinics.",
         "medtop:20000446"),
        ("Factory output slows", "Industrial production fell and retail sales stalled, economists said, as the "
         "trade gap widened.", "medtop:20000344"),
    )
    for headline, body, code in cases:
        assert code in topics(tagger, item_factory(body, headline=headline)), headline


def test_a_narrow_topic_far_weaker_than_its_sibling_is_dropped(tagger, item_factory):
    body = ("The central bank cut its key interest rate by 50 basis points, saying inflation had slowed "
            "and economic growth was weak. Policymakers expect the economy to recover; the budget deficit "
            "and the trade deficit narrowed. Shares edged up as investors and traders weighed the move.")
    found = topics(tagger, item_factory(body, headline="Central bank cuts key rate as inflation slows"))
    assert "medtop:20000344" in found  # economy
    assert "medtop:20000385" not in found  # market and exchange: an aside
    side = topics(tagger, item_factory("Shares rose and investors bought stocks as traders cheered.",
                                       headline="Stocks rally"))
    assert "medtop:20000385" in side  # the same market phrases carry a markets story


def test_a_phrase_shared_by_two_branches_counts_for_the_one_the_story_supports(tagger, item_factory):
    # "troops", "army", "military" sit under armed conflict and, through armed forces and national
    # security, under politics: in a battle report they are the war's, not a government story's.
    body = ("Iraqi troops repelled an Iranian offensive east of Basra, the army said. Military commanders "
            "said the attack was launched at dawn by the Iranian army and Revolutionary Guards; the "
            "government in Baghdad said its troops held their positions and the military would respond.")
    found = topics(tagger, item_factory(body, headline="Iraq says it repels Iranian attack"))
    assert "medtop:16000000" in found
    assert "medtop:11000000" not in found
    # The same words in a story about the armed forces themselves still make it one.
    body = ("Parliament voted to bring back military service: the army will call up conscripts from "
            "January, the defence minister told lawmakers, and the government will raise troops' pay.")
    assert "medtop:20000599" in topics(tagger, item_factory(body, headline="Parliament passes military service law"))


def test_a_trade_war_or_price_war_is_not_a_war(tagger, item_factory):
    body = ("The escalation of the trade war continued as both sides raised tariffs on exports; economists "
            "said the price war among carmakers would hit profits and economic growth.")
    found = topics(tagger, item_factory(body, headline="Trade war escalation hits carmakers"))
    assert "medtop:04000000" in found
    assert not {"medtop:16000000", "medtop:20000062"} & set(found)


def test_phrases_read_only_copy_in_their_language(tagger, item_factory):
    # English phrases on German copy find false friends: "war" (was), "Attacke" (a football tackle).
    body = ("Der Trainer war nach dem Spiel wütend. Die Attacke auf den Schiedsrichter war ein Skandal, "
            "und nach dem Krieg der Worte war die Stimmung schlecht. Airstrikes? Keine.")
    supplied = [Subject(code="medtop:20001065", name="Fußball", scheme="medtop")]
    english_reading = topics(tagger, item_factory(body, subjects=supplied))  # language unknown
    german = item_factory(body, subjects=supplied).model_copy(update={"language": "de"})
    found = topics(tagger, german)
    assert "medtop:16000000" in english_reading  # the false friends, read as English
    assert "medtop:16000000" not in found
    assert "medtop:20001065" in found  # what the source supplied is kept
    english = item_factory("Airstrikes and shelling hit the city as fighting intensified; troops advanced.")
    assert "medtop:16000000" in topics(tagger, english.model_copy(update={"language": "en-GB"}))


SPORT = "medtop:15000000"


def test_sports_results_make_sport_with_one_more_phrase(tagger, item_factory):
    # No "tennis" in the copy: the set scores and the tour's name say it.
    tennis = item_factory("Italy's Jannik Sinner beat Spain's Carlos Alcaraz 7-6 7-5 to win the ATP Finals on Sunday.",
                          headline="Sinner beats Alcaraz in Turin final")
    assert SPORT in topics(tagger, tennis)
    # Without the score the tour's name alone is one phrase: not enough.
    assert SPORT not in topics(tagger, item_factory("Jannik Sinner spoke about the ATP Finals on Sunday.",
                                                     headline="Sinner speaks"))
    football = item_factory("Bayern beat Dortmund 3-1 on Saturday to go four points clear in the Bundesliga.",
                            headline="Bayern top of the table")
    found = topics(tagger, football)
    assert SPORT in found
    assert "3-1" in {e.text for e in found[SPORT].evidence}  # the result is shown as evidence


def test_vote_and_court_margins_are_not_sports_results(tagger, item_factory):
    for body in ("The Supreme Court ruled 6-3 on Friday that the agency had exceeded its authority, a win for the states.",
                 "The Senate passed the bill 52-48 after the measure won 52-48 in a procedural vote.",
                 "Turnout among voters aged 18-24 rose in the 2024-25 season of local elections, the commission said."):
        assert SPORT not in topics(tagger, item_factory(body, headline="Lawmakers back the measure")), body
