"""Current wire copy: datelines of regional bureaus, names that are people's names, shared
demonyms, office-holders and topic phrases."""

from __future__ import annotations

import pytest


def places(tagger, item):
    return {t.code: t for t in tagger.tag(item).places}


def topic_codes(tagger, item):
    return {t.code for t in tagger.tag(item).topics}


# ---------------------------------------------------------------- datelines of regional bureaus

def test_bureau_dateline_nothing_else_points_at_is_not_the_subject(tagger, item_factory):
    body = ("Iran's rial fell to a record low on Sunday, traders in Tehran said, as Iranians bought "
            "dollars and gold. Iran's central bank said it would act.")
    item = item_factory(body, headline="Iran's rial hits record low", dateline="DUBAI")
    found = places(tagger, item)
    assert "IR" in found and found["IR"].primary
    assert "AE" not in found


def test_bureau_dateline_counts_when_the_story_names_its_country(tagger, item_factory):
    body = ("Iran and the United Arab Emirates agreed on Sunday to expand trade, Emirati officials "
            "said after talks with Iranian ministers.")
    item = item_factory(body, headline="Iran, UAE agree to expand trade", dateline="DUBAI")
    assert {"IR", "AE"} <= set(places(tagger, item))


def test_bureau_dateline_alone_still_gives_a_place(tagger, item_factory):
    # Nothing else names a country: the dateline is all there is, and it counts.
    item = item_factory("The company said profits rose 10% in the third quarter.", dateline="NAIROBI")
    assert "KE" in places(tagger, item)


def test_other_datelines_keep_their_weight(tagger, item_factory):
    # Not a regional bureau: a story filed in Paris about a sale to Japan may well be French news.
    body = "The consortium signed a contract to sell ten jets to All Nippon Airways of Japan, a spokesman said."
    item = item_factory(body, headline="Consortium signs Japanese contract", dateline="PARIS")
    assert "FR" in places(tagger, item)


# ---------------------------------------------------------------- names that are people's names

def test_ambiguous_name_read_as_a_persons_name_once_is_a_person_throughout(tagger, item_factory):
    body = ("Republican Representative Tom Jordan issued a subpoena on Wednesday. Democrats said Jordan "
            "was using the committee to punish opponents, and Jordan later defended the move.")
    item = item_factory(body, headline="Committee chairman Jordan subpoenas former counsel", dateline="WASHINGTON")
    assert "JO" not in places(tagger, item)


def test_the_country_keeps_its_reading_beside_a_person_of_the_same_name(tagger, item_factory):
    body = ("Jordan's King Abdullah met Gaza aid officials in Amman. Coach Tom Jordan was not there. "
            "Jordan has warned against displacing Palestinians.")
    assert "JO" in places(tagger, item_factory(body))


def test_surname_of_a_person_named_in_full_beats_the_place_name(tagger, item_factory):
    body = "Jim Jordan, chairman of the House Judiciary Committee, spoke. Jordan later issued a subpoena."
    tags = tagger.tag(item_factory(body))
    person = next(p for p in tags.people if p.code == "person:jim-jordan")
    assert [e.text for e in person.evidence] == ["Jim Jordan", "Jordan"]
    assert "JO" not in {t.code for t in tags.places}


# ---------------------------------------------------------------- shared demonyms and names

@pytest.mark.parametrize("body, dateline, expected, absent", [
    ("The Congolese Labour Party backed Sassou Nguesso for another term.", "BRAZZAVILLE", "CG", "CD"),
    ("Congolese troops fought M23 rebels near Goma in North Kivu.", None, "CD", "CG"),
    ("WHO praised Congolese health workers in the Democratic Republic of Congo.", None, "CD", "CG"),
    ("Dominican citizens could lose visa-free travel, Prime Minister Roosevelt Skerrit said in Roseau.", None,
     "DM", "DO"),
    ("Dominican President Luis Abinader met U.S. officials in Santo Domingo.", None, "DO", "DM"),
    ("Korean officials in Pyongyang said North Korea would test another missile.", None, "KP", None),
])
def test_shared_demonyms(tagger, item_factory, body, dateline, expected, absent):
    found = places(tagger, item_factory(body, dateline=dateline))
    assert expected in found
    if absent:
        assert absent not in found


@pytest.mark.parametrize("text, code", [
    ("Türkiye's central bank cut rates.", "TR"),
    ("Côte d'Ivoire's president was sworn in.", "CI"),
    ("Czechia's new government took office.", "CZ"),
    ("Burma's junta set an election date.", "MM"),
    ("Guinea-Bissau's army seized power.", "GW"),
    ("Equatorial Guinea lost its case.", "GQ"),
    ("Kazakhstani officials said so.", "KZ"),
])
def test_current_and_alternative_country_names(tagger, item_factory, text, code):
    assert code in places(tagger, item_factory(text))


# ---------------------------------------------------------------- office-holders (late 2025)

@pytest.mark.parametrize("name, country", [
    ("Friedrich Merz", "DE"), ("Sanae Takaichi", "JP"), ("Lee Jae-myung", "KR"), ("Mark Carney", "CA"),
    ("Keir Starmer", "GB"), ("Emmanuel Macron", "FR"), ("Narendra Modi", "IN"), ("Andrej Babis", "CZ"),
    ("Anutin Charnvirakul", "TH"), ("Prabowo Subianto", "ID"), ("Kassym-Jomart Tokayev", "KZ"),
    ("Luis Abinader", "DO"), ("Roosevelt Skerrit", "DM"), ("Abdourahamane Tiani", "NE"),
    ("Mamady Doumbouya", "GN"), ("Denis Sassou Nguesso", "CG"), ("Salva Kiir", "SS"), ("Shinjiro Koizumi", "JP"),
])
def test_office_holders_point_at_their_country(tagger, item_factory, name, country):
    tags = tagger.tag(item_factory(f"{name} spoke to reporters on Tuesday."))
    assert [p.country for p in tags.people] == [country]
    assert country in {t.code for t in tags.places}


# ---------------------------------------------------------------- topics of current copy

@pytest.mark.parametrize("headline, body, code", [
    ("Central bank cuts key rate", "The central bank cut its key interest rate by 25 basis points, saying "
     "monetary policy could ease as inflation slowed.", "medtop:20000350"),
    ("Army seizes power", "Officers said they had seized power and dissolved the government; the "
     "regional bloc condemned the coup.", "medtop:20000070"),
    ("Thieves steal crown jewels from museum", "Thieves escaped with jewels in a daylight heist.",
     "medtop:20000082"),
    ("Floods force thousands from homes", "Record floods forced thousands to flee as rivers burst their banks.",
     "medtop:20000148"),
    ("Boat carrying migrants capsizes", "A boat capsized off the coast with 70 people on board.",
     "medtop:20000139"),
    ("Armenia, Azerbaijan move towards treaty", "A final peace treaty could be signed next year.",
     "medtop:20000641"),
    ("Morocco opens Africa Cup of Nations", "The tournament opens on Sunday with 24 teams.", "medtop:20001108"),
    ("Social media ban for children takes effect", "Platforms must remove accounts; social media firms "
     "said age checks would be hard on the internet.", "medtop:20000756"),
])
def test_current_topic_phrases(tagger, item_factory, headline, body, code):
    assert code in topic_codes(tagger, item_factory(body, headline=headline))


def test_a_title_and_its_holder_are_one_reference_to_the_country(tagger, item_factory):
    def us_score(body):
        return next(t.score for t in tagger.tag(item_factory(body)).places if t.code == "US")
    titled = tagger.tag(item_factory("U.S. President Donald Trump spoke on Tuesday."))
    assert [p.code for p in titled.people] == ["person:donald-trump"]
    assert us_score("U.S. President Donald Trump spoke on Tuesday.") == us_score("U.S. President spoke on Tuesday.")
    # Named apart from the country's name, the person still counts for it.
    assert us_score("The U.S. said on Tuesday that a deal was near, and Donald Trump agreed.") > \
        us_score("The U.S. said on Tuesday that a deal was near, and he agreed.")
