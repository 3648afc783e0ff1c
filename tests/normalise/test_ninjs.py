import json
from datetime import UTC, datetime

from streams.models import DeadLetter
from streams.normalise import normalise

from .conftest import dead, one, raw_of


def test_ninjs_1x_prefers_xhtml_paragraphs_and_finds_ap_dateline():
    item = one("corpus/ninjs/1.4_ninjsExComplex1.json")
    assert item.format == "ninjs"
    assert item.headline == "Captain of wrecked cruise ship on trial in Italy"
    assert item.versioncreated == datetime(2013, 7, 9, 10, 37, tzinfo=UTC)
    assert item.body_text.count("\n\n") == 3  # four <p> in body_xhtml; body_text glues them
    assert item.source.agency == "AP" and item.dateline.place == "GROSSETO"
    assert item.located == "Grossetto, Italy"
    assert item.byline == "Paulo Santalucia and Frances d'Emilio"
    assert item.associations["mainpic"].headline == "Costa Concordia cruise ship"
    assert item.language == "en" and "language" not in item.derived


def test_ninjs_2x_dpa_html_body_times_and_agency():
    item = one("corpus/ninjs/2.1_dpa_text.json")
    assert item.headline == "Faktencheck Derby-Elfmeter: Hat Schiedsrichter Zwayer recht?"
    assert item.versioncreated == datetime(2019, 5, 10, 14, 2, 28, tzinfo=UTC)  # +02:00
    assert item.language == "de"
    assert item.source.agency == "dpa"
    assert item.urgency == 4 and item.version == "2"
    assert item.byline == "Christian Hollmann, dpa"
    assert item.body_text.startswith("Für Lucien Favre war es")


def test_ninjs_3x_same_story_as_2x():
    two, three = one("corpus/ninjs/2.1_dpa_text.json"), one("corpus/ninjs/3.0_dpa_text.json")
    assert (two.headline, two.body_text, two.versioncreated) == (three.headline, three.body_text, three.versioncreated)


def test_ninjs_3x_tt_html5_body_association_list_and_subject_codes():
    item = one("corpus/ninjs/3.0_tt_text_image_3.json")
    assert item.headline == "Militärövning i jätteformat hålls 2023"
    # The h1 repeated in the body and the kicker/source labels above the text are not story.
    assert item.body_text.startswith("Pandemin satte stopp för den stora internationella militärövningen")
    assert "FörsvarTT" not in item.body_text
    assert "Arkivbild" not in item.body_text  # the figure caption is not story
    assert item.associations["a001"].type == "picture"
    assert item.versioncreated == datetime(2021, 5, 26, 11, 40, 18, tzinfo=UTC)
    assert item.urgency == 3 and item.source.agency == "TT"
    assert item.subjects[0].code == "16000000"


def test_ninjs_3x_nitf_body_and_medtop_codes():
    item = one("corpus/ninjs/3.0_20231008-anti-doping-measures-at-the-tour-down-under-will-be-the-toughest-ever-addb-ninjs-nitf.json")
    assert item.headline == "Anti-doping measures at the 'Tour Down Under' will be the toughest ever"
    assert item.body_text.startswith("The Australian Sports Anti-Doping Authority")
    assert {s.code for s in item.subjects} >= {"medtop:15000000", "medtop:20000892"}
    assert item.versioncreated == datetime(2023, 10, 8, 0, 34, 3, tzinfo=UTC)


def test_ninjs_ntb_without_body_keeps_headline_and_description():
    item = one("corpus/ninjs/3.0_ntb_text.json")
    assert item.headline == "Google har kjøpt giganttomt i Skien"
    assert item.description_text.startswith("IT-giganten Google")
    assert item.firstcreated == datetime(2019, 8, 9, 9, 30, 4, tzinfo=UTC)
    assert item.language == "nb-NO" and item.source.agency == "NTB"


def test_wrapper_total_item_and_pictures_are_not_stories():
    story = {"uri": "urn:a", "headline": "One", "body_text": "Text one.", "versioncreated": "2024-01-02T03:04:05+0000"}
    picture = {"uri": "urn:p", "type": "picture", "headline": "A photo"}
    out = normalise(raw_of(json.dumps({"total": 3, "item": [story, picture, {**story, "uri": "urn:b", "headline": "Two"}]})))
    assert [i.uri for i in out] == ["urn:a", "urn:b"]
    assert [i.item_index for i in out] == [0, 1]
    assert out[0].versioncreated == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_only_pictures_is_not_text():
    letter = normalise(raw_of(json.dumps({"uri": "urn:p", "type": "picture", "headline": "A photo"})))
    assert isinstance(letter, DeadLetter) and letter.reason == "not_text"


def test_kill_and_correction_signals():
    item = {"uri": "urn:k", "headline": "CORRECTED-Fed holds rates", "body_text": "x y z.", "pubstatus": "canceled"}
    [out] = normalise(raw_of(json.dumps(item)))
    assert out.pubstatus.value == "canceled"
    assert "kill" in out.signals and "correction" in out.signals
    assert out.headline == "Fed holds rates"


def test_malformed_ninjs_dead_letters():
    assert dead("corpus/malformed/truncated-ninjs.json").reason == "invalid_json"
    assert dead("corpus/malformed/ninjs-no-text_003_malformed_property.json").reason == "no_text"
    assert dead("corpus/malformed/empty.txt").reason == "empty_payload"
