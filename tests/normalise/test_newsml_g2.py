from datetime import UTC, datetime

from streams.normalise import normalise

from .conftest import dead, one, raw_of


def test_news_item_metadata_signals_and_embargo():
    item = one("corpus/newsml-g2/LISTING_1_A_NewsML-G2_News_Item.xml")
    assert item.format == "newsml-g2"
    assert item.uri == "urn:newsml:acmenews.com:20161018:US-FINANCE-FED" and item.version == "11"
    assert item.headline == 'Fed to halt QE to avert "bubble"'
    assert item.versioncreated == datetime(2018, 10, 21, 21, 25, 32, tzinfo=UTC)  # -05:00
    assert item.firstcreated == datetime(2016, 10, 18, 18, 12, 21, tzinfo=UTC)
    assert item.embargoed == datetime(2018, 10, 23, 12, 0, tzinfo=UTC)
    assert "update" in item.signals
    assert item.source.provider == "Reuters" and item.source.agency == "Reuters"
    assert item.located == "Berlin" and item.language == "en-GB"
    assert {s.code for s in item.subjects} == {"medtop:04000000", "medtop:20000523"}


def test_inline_nitf_body_and_info_source_agency():
    item = one("corpus/newsml-g2/LISTING_2_NewsML-G2_Text_Document.xml")
    assert item.body_text.startswith("(New York, NY - October 21) Et, sent luptat")
    assert item.body_text.count("\n\n") == 1
    assert item.source.agency == "AP"
    assert item.byline == "Meredith Jameson"


def test_sports_story_inline_nitf():
    item = one("corpus/newsml-g2/LISTING_22_Sports_story_in_NewsML-G2NITF.xml")
    assert item.headline.startswith("Preview: Arizona Diamondbacks (29-23) at Philadelphia Phillies (26-24)")
    assert item.versioncreated == datetime(2018, 10, 19, 15, 45, tzinfo=UTC)
    assert item.body_text.count("\n\n") == 5
    assert item.source.agency == "Sports Network"


def test_content_set_fragment_with_nitf():
    item = one("corpus/newsml-g2/LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml")
    assert item.headline == "Arizona Diamondbacks (29-23) at Philadelphia Phillies (26-24), 7:05p.m."
    assert item.warnings


def test_news_message_text_item_with_picture_association():
    item = one("corpus/newsml-g2/TT_newsmlg2_sample.xml")
    assert item.uri == "http://tt.se/media/text/210919-janguillou-879f202b"
    assert item.headline == 'Jan Guillou skriver på ny "Hamilton"-bok'
    assert item.versioncreated == datetime(2021, 9, 19, 18, 57, 43, tzinfo=UTC)
    assert item.urgency == 3 and item.language == "sv" and item.source.agency == "TT"
    assert item.associations["picture1"].description_text.startswith("Journalisten och författaren")
    assert "Journalisten och författaren" not in item.body_text
    # TT's kicker and source labels (<span>Litteratur</span><span>TT</span>) are not story.
    assert item.body_text.startswith("Jan Guillou arbetar just nu med det sista kapitlet")
    assert "LitteraturTT" not in item.body_text and "Litteratur" not in item.body_text


def test_metadata_only_items_are_dead_letters():
    assert dead("corpus/newsml-g2/ap_metadata_example.xml").reason == "not_text"
    assert dead("corpus/newsml-g2/LISTING_29_Hop_History.xml").reason == "no_text"


G2_KILL = """\ufeff<?xml version="1.0" encoding="UTF-8"?>
<g2:newsItem xmlns:g2="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:1" version="3">
 <g2:itemMeta><g2:itemClass qcode="ninat:text"/><g2:provider qcode="nprov:AFP"/>
  <g2:versionCreated> 2024-03-01T10:00:00+0100 </g2:versionCreated>
  <g2:pubStatus qcode="stat:canceled"/><g2:signal qcode="sig:correction"/>
  <g2:link rel="irel:previousVersion" residref="urn:x:1:2"/></g2:itemMeta>
 <g2:contentMeta><g2:headline>CORRECTED-Minister resigns</g2:headline></g2:contentMeta>
 <g2:contentSet><g2:inlineData contenttype="text/plain"><![CDATA[<P>PARIS (AFP) - The minister RESIGNED.</P><P>More.</P>]]></g2:inlineData></g2:contentSet>
</g2:newsItem>"""


def test_prefixed_namespace_bom_kill_cdata_html_and_versions():
    [item] = normalise(raw_of(G2_KILL))
    assert item.pubstatus.value == "canceled"
    assert {"kill", "correction"} <= set(item.signals)
    assert item.headline == "Minister resigns"
    assert item.versioncreated == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert item.evolvedfrom == "urn:x:1:2" and item.version == "3"
    assert item.body_text == "PARIS (AFP) - The minister RESIGNED.\n\nMore."
    assert item.source.agency == "AFP"
