"""People and organisations from the curated gazetteers."""

from __future__ import annotations


def people(tagger, item):
    return {t.code: t for t in tagger.tag(item).people}


def orgs(tagger, item):
    return {t.code: t for t in tagger.tag(item).organisations}


def test_full_name_then_surname(tagger, item_factory):
    body = "Bruno Rodriguez spoke first. Later Rodriguez added that Cuba would not yield."
    found = people(tagger, item_factory(body))
    assert [e.text for e in found["person:bruno-rodriguez"].evidence] == ["Bruno Rodriguez", "Rodriguez"]


def test_surname_alone_needs_the_full_name(tagger, item_factory):
    assert people(tagger, item_factory("Rodriguez said the bill would pass.")) == {}


def test_surname_resolves_to_the_person_named(tagger, item_factory):
    body = "Delcy Rodriguez met reporters. Rodriguez said oil output would rise."
    found = people(tagger, item_factory(body))
    assert set(found) == {"person:delcy-rodriguez"}
    assert found["person:delcy-rodriguez"].country == "VE"


def test_very_well_known_surnames_stand_alone(tagger, item_factory):
    found = people(tagger, item_factory("Trump spoke to Putin by phone."))
    assert {"person:donald-trump", "person:vladimir-putin"} <= set(found)


def test_accents_are_folded_and_offsets_kept(tagger, item_factory):
    body = "Nicolás Maduro and Miguel Díaz-Canel met in Havana."
    found = people(tagger, item_factory(body))
    maduro = found["person:nicolas-maduro"]
    assert maduro.name == "Nicolas Maduro"
    ev = maduro.evidence[0]
    assert body[ev.start:ev.end] == "Nicolás Maduro" == ev.text
    assert found["person:miguel-diaz-canel"].country == "CU"


def test_title_case_needed_for_names(tagger, item_factory):
    assert people(tagger, item_factory("they will trump any offer")) == {}


def test_organisations_with_and_without_country(tagger, item_factory):
    body = "The Pentagon, NATO, OPEC and the European Union commented; the Kremlin declined."
    found = orgs(tagger, item_factory(body))
    assert found["org:pentagon"].country == "US"
    assert found["org:kremlin"].country == "RU"
    for code in ("org:nato", "org:opec", "org:european-union"):
        assert found[code].country is None


def test_short_aliases_need_context(tagger, item_factory):
    assert "org:international-criminal-court" in orgs(tagger, item_factory("The ICC issued an arrest warrant."))
    assert "org:international-criminal-court" not in orgs(tagger, item_factory("The ICC cricket final was a sellout."))
    assert "org:federal-reserve" in orgs(tagger, item_factory("The Fed cut interest rates by 25 basis points."))


def test_acronyms_need_their_case(tagger, item_factory):
    assert "org:united-nations" in orgs(tagger, item_factory("The UN said aid was blocked."))
    assert "org:united-nations" not in orgs(tagger, item_factory("It was un peu strange."))


def test_primary_is_the_most_mentioned(tagger, item_factory):
    body = "Marco Rubio met Sergei Lavrov. Rubio said talks went well. Rubio left."
    tags = tagger.tag(item_factory(body)).people
    assert tags[0].code == "person:marco-rubio" and tags[0].primary
    assert not any(t.primary for t in tags[1:])
