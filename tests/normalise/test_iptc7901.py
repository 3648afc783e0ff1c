"""IPTC 7901 golden tests."""

from datetime import UTC, datetime

from streams.normalise import normalise

from .conftest import one, raw_of


def test_afp_first_lead_byline_notes_and_reflow():
    item = one("iptc7901/afp-france-budget-1stlead.7901")
    assert item.format == "iptc-7901"
    assert item.headline == "French parliament adopts 2026 budget after marathon night session"  # two lines joined
    assert item.byline == "Claire Dubois"
    assert item.version == "2" and item.signals == ["update"]
    assert item.uri == "urn:iptc7901:afp:2025-12-05:france-politics-budget"
    assert item.evolvedfrom == item.uri + "@1"
    assert item.versioncreated == datetime(2025, 12, 5, 14, 32, tzinfo=UTC)
    assert item.urgency == 2 and item.subjects[0].code == "iptc7901-cat:pol"
    assert item.source.agency == "AFP" and item.dateline.place == "PARIS" and item.dateline.date_text == "Dec 5"
    assert item.language == "en"
    paragraphs = item.body_text.split("\n\n")
    assert len(paragraphs) == 4  # hard-wrapped lines re-flowed into the four indented paragraphs
    assert paragraphs[0].startswith("PARIS, Dec 5 (AFP) - France's National Assembly on Friday adopted the 2026 budget")
    assert "state-owned rail operator" in paragraphs[1]  # hyphen at a wrap
    assert item.body_text.endswith("The Senate is expected to give its final approval next week.")
    for clutter in ("NOT FOR PUBLICATION", "wrap-up", "AFP Forum", "cd/ab", "051432", "1ST LEAD", " ="):
        assert clutter not in item.body_text
    assert any("wrap-up with reactions" in w for w in item.warnings)


def test_dpa_german_month_no_gmt_correction_and_slug_keywords():
    item = one("iptc7901/dpa-ifo-berichtigung.7901")
    assert item.headline == "Ifo-Geschäftsklima steigt im Dezember überraschend deutlich"
    assert item.versioncreated == datetime(2025, 12, 12, 10, 15, tzinfo=UTC)  # "121015 Dez 25"
    assert item.signals == ["correction"]
    assert item.language == "de" and item.urgency == 3
    assert item.subjects[0].code == "iptc7901-cat:wi" and item.subjects[0].name == "Wirtschaft"
    assert item.keywords == ["Deutschland", "Konjunktur", "Ifo"]
    assert item.uri == "urn:iptc7901:dpa:2025-12-12:deutschland-konjunktur-ifo"
    assert item.source.agency == "dpa" and item.dateline.place == "München"
    assert "Der Ifo-Geschäftsklimaindex stieg" in item.body_text
    assert "Hinweis an die Redaktion" not in item.body_text and "yyzz" not in item.body_text
    assert item.body_text.endswith("87,9 statt 88,7 Punkte.)")


def test_flash_with_italian_month_and_agency_first_dateline():
    item = one("iptc7901/ansa-flash-okt.7901")
    assert item.urgency == 1
    assert item.headline == "Italian government wins confidence vote in Senate"
    assert item.versioncreated == datetime(2025, 10, 8, 13, 42, tzinfo=UTC)
    assert item.source.agency == "ANSA" and item.dateline.place == "ROME"
    assert item.byline is None and item.signals == []
    assert item.body_text.endswith("by 104 votes to 71.")


def test_without_heading_end_marker_first_short_line_is_headline():
    text = "\x01xyz0001 4 gen 0050\nSlug/\n\x02\nREFILE\nSmall headline here\n\n   LONDON (Reuters) - Some text\nwrapped here.\n\n051200 GMT Jan 26\n\x03"
    [item] = normalise(raw_of(text))
    assert item.format == "iptc-7901"
    assert item.headline == "Small headline here" and item.signals == ["refile"]
    assert item.body_text == "LONDON (Reuters) - Some text wrapped here."
    assert item.versioncreated == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
