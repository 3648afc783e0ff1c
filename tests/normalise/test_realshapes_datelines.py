"""Datelines, desks, bylines and times as real agency files carry them (invented text,
tests/fixtures/realshapes/SOURCES.md)."""

from datetime import UTC, datetime

from .conftest import items_of, one


def test_timestamp_in_the_dateline_element_gives_way_to_the_storys_own_dateline():
    story, script = items_of("realshapes/g2_desk_located_timestamp_dateline.xml")
    assert story.dateline is not None and story.dateline.place == "LISBON"
    assert story.dateline.agency == "Reuters"
    assert story.located == "Gdansk"  # where the desk filed it, as the item says: not the dateline
    assert story.byline == "Tomasz Wren"
    assert story.body_text.startswith("LISBON (Reuters) - The city's old swing bridge")  # the "By" line is not story
    assert any("only a date" in w for w in story.warnings)


def test_placeholder_location_date_only_dateline_and_empty_version_time():
    _, script = items_of("realshapes/g2_desk_located_timestamp_dateline.xml")
    assert script.located is None  # "No-Data-Available" is no place
    assert script.dateline is None or script.dateline.place is None
    assert script.versioncreated == datetime(2024, 6, 3, 9, 30, tzinfo=UTC)  # from contentCreated
    assert "versioncreated" in script.derived


def test_nitf_byline_without_its_title_agency_from_rights_holder_and_date_only_dateline():
    item = one("realshapes/nitf_byline_parts_rights_holder.xml")
    assert item.byline == "Nora Pike"
    assert item.source.agency == "Canadian Press"
    assert item.dateline is None or item.dateline.place != "20240701T140000+0000"
    assert item.body_text.startswith("HALIFAX - The natural history museum")


def test_nitf_byline_of_only_a_title_is_that_credit():
    from streams.normalise import nitf
    from streams.normalise.xml import parse

    root = parse("<nitf><body><body.head><byline><byttl>Example Sports Wire</byttl></byline></body.head>"
                 "<body.content><p>Text.</p></body.content></body></nitf>")
    assert nitf.draft(root).byline == "Example Sports Wire"
