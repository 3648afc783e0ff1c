"""ninjs items inside envelopes (search results, API responses and feeds), on invented fixtures
shaped like real agency files (tests/fixtures/realshapes/SOURCES.md)."""

from streams.normalise import detect_format

from .conftest import dead, fixture_raw, items_of, one


def test_search_result_wrapper_with_paging_keys_yields_its_text_items():
    items = items_of("realshapes/ninjs_search_result.json")
    assert [i.format for i in items] == ["ninjs"]  # the picture is not a story
    assert items[0].headline == "Harbour ferry timetable changes from Monday"
    assert items[0].body_text.count("\n\n") == 1
    assert items[0].uri == "https://news.example.org/items/71"


def test_api_response_item_without_body_keeps_headline_and_names_the_rendition():
    assert detect_format(fixture_raw("realshapes/apiresponse_text_item.json")) == "ninjs"
    item = one("realshapes/apiresponse_text_item.json")
    assert item.headline == "Orchard growers report an early blossom"
    assert item.body_text == ""
    assert item.source.agency == "AP"  # from the provider code
    assert any("rendition" in w and "nitf" in w for w in item.warnings)


def test_api_feed_entries_each_become_an_item_and_pictures_are_skipped():
    items = items_of("realshapes/apiresponse_feed_mixed.json")
    assert [i.headline for i in items] == ["Council approves new cycle lanes", "Library extends weekend hours"]
    assert items[1].body_text == "The central library will open on Sundays from May."


def test_api_feed_of_pictures_only_is_not_text_and_says_what_it_holds():
    letter = dead("realshapes/apiresponse_feed_pictures.json")
    assert letter.reason == "not_text"
    assert "2 picture" in letter.message


def test_located_that_repeats_the_byline_is_not_a_place():
    item = one("realshapes/ninjs_located_is_byline.json")
    assert item.located is None
    assert item.dateline is None or "Tallis" not in (item.dateline.text or "")
