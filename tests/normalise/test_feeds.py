"""RSS 2.0 and Atom golden tests: one item per entry."""

from datetime import UTC, datetime

from streams.models import to_json
from streams.normalise import normalise

from .conftest import dead, items_of, raw_of


def test_rss2_entries_fields_extensions_and_media_caption():
    chile, quake, gas = items_of("feeds/newswire-world-rss2.xml")
    assert [i.item_index for i in (chile, quake, gas)] == [0, 1, 2]
    assert {i.format for i in (chile, quake, gas)} == {"rss-atom"}

    assert chile.uri == "tag:newswire.example,2025:nw-8812341"
    assert chile.url == "https://www.newswire.example/world/americas/chile-president-elect-crime-2025-12-05/"
    assert chile.headline == "Chile's new president-elect pledges tougher stance on crime"
    assert chile.byline == "Lucía Fernández"
    assert chile.versioncreated == datetime(2025, 12, 5, 23, 4, tzinfo=UTC)  # 18:04 EST
    assert chile.urgency == 3 and chile.version == "2"  # nw:priority "Urgent", nw:version
    assert chile.language == "en-US"
    assert chile.source.provider == "Newswire Example" and chile.source.agency == "Reuters"  # agency from the lead
    assert chile.dateline.place == "SANTIAGO" and chile.dateline.agency == "Reuters"
    assert "medtop:11000000" in {s.code for s in chile.subjects}
    assert {"World", "Americas"} <= {s.name for s in chile.subjects}
    assert chile.body_text.startswith("SANTIAGO, Dec 5 (Reuters) - Chile's president-elect promised")  # content:encoded, not the teaser
    assert chile.body_text.endswith("He takes office on March 11.")
    assert chile.body_text.count("\n\n") == 3
    pic = chile.associations["picture1"]
    assert pic.description_text.startswith("Chile's president-elect waves") and pic.uri.endswith("chile-president-elect.jpg")
    assert "waves to supporters" not in chile.body_text and "waves to supporters" not in (chile.description_text or "")

    assert quake.urgency == 1 and quake.body_text.startswith("JAKARTA, Dec 5")
    assert quake.versioncreated == datetime(2025, 12, 5, 14, 41, tzinfo=UTC)

    assert gas.headline == "EU ministers agree on gas storage targets for 2026"
    assert gas.signals == ["correction"] and gas.version == "3"
    assert gas.versioncreated == datetime(2025, 12, 5, 11, 15, tzinfo=UTC)  # +0100


def test_rss_html_is_reduced_to_safe_text():
    for item in items_of("feeds/newswire-world-rss2.xml"):
        dumped = to_json(item).decode().lower()
        for bad in ("<script", "javascript:", "onclick", "onerror", "document.cookie", "<p>", "evil.example"):
            assert bad not in dumped


def test_atom_entries_xhtml_and_escaped_html_content():
    pension, election = items_of("feeds/agency-de-atom.xml")
    assert pension.uri == "urn:agentur-beispiel:2025-12-05:a7d2f0c1"
    assert pension.headline == "Bundesrat billigt Rentenpaket nach langem Streit"
    assert pension.firstcreated == datetime(2025, 12, 5, 10, 32, tzinfo=UTC)
    assert pension.versioncreated == datetime(2025, 12, 5, 12, 5, tzinfo=UTC)
    assert pension.byline == "Miriam Albrecht"
    assert pension.language == "de" and pension.urgency == 3 and pension.version == "2"
    assert [s.code for s in pension.subjects] == ["medtop:11000000", "subj:02000000"]
    assert pension.source.provider == "Agentur Beispiel" and pension.source.agency == "dpa"
    assert pension.description_text == "Der Bundesrat hat das umstrittene Rentenpaket der Bundesregierung gebilligt."
    assert pension.body_text.startswith("Berlin (dpa) - Der Bundesrat hat am Freitag")
    assert pension.body_text.count("\n\n") == 2
    assert pension.url == "https://www.agentur.example/politik/rentenpaket-bundesrat-a7d2f0c1"

    assert election.headline == "Wahl in Sachsen-Anhalt: Termin steht fest"  # type="html" title
    assert election.urgency == 5  # "Regular"
    assert election.body_text == (
        "Magdeburg (dpa) - Die Landtagswahl in Sachsen-Anhalt findet am 6. September 2026 statt. "
        "Das beschloss die Landesregierung am Freitag.\n\nUmfragen sehen ein enges Rennen."
    )


def test_feed_with_entities_is_refused_and_nothing_fetched():
    xxe = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           "<rss version=\"2.0\"><channel><item><title>&x;</title><description>a b c d</description></item></channel></rss>")
    letter = dead(raw_of(xxe))
    assert letter.reason == "xml_entities" and "root:" not in letter.message


def test_truncated_feed_is_invalid_xml():
    text = (items_of.__globals__["FIXTURES"] / "feeds/newswire-world-rss2.xml").read_text()[:1500]
    assert dead(raw_of(text)).reason == "invalid_xml"


def test_feed_without_entries_and_unsafe_links():
    assert dead(raw_of('<rss version="2.0"><channel><title>x</title></channel></rss>')).reason == "no_text"
    rss = ('<rss version="2.0"><channel><item><title>Title here</title><link>file:///etc/passwd</link>'
           "<description>Some text that is long enough.</description></item></channel></rss>")
    [item] = normalise(raw_of(rss))
    assert item.url is None and item.uri.startswith("file:")  # an id is only an id: never opened
    assert "root:" not in to_json(item).decode()
