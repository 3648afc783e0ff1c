"""ANPA-1312 shapes of real AP transmissions (invented text, tests/fixtures/realshapes/SOURCES.md):
a headlines digest whose list lines are "^" lines without a terminator, after a format-code
segment sharing the keyword's line; a table whose title is a centred ("=") line."""

from .conftest import one


def test_headlines_digest_keeps_its_list_lines_as_the_body():
    item = one("realshapes/anpa_headlines_digest.anpa")
    assert item.headline == "AP Top Garden News at 8:05 a.m. EDT"
    assert item.body_text.split("\n\n") == [
        "Tulip growers expect a record spring",
        "City parks add three community orchards",
        "Rain delays the annual hedge-trimming contest",
    ]
    assert item.slugline == "AP-Top-Garden-Headlines"
    assert "*9123" not in item.headline + item.body_text


def test_table_title_is_the_headline_and_section_titles_stay_in_the_body():
    item = one("realshapes/anpa_table_with_sections.anpa")
    assert item.headline == "Village Cricket League Table"
    assert item.byline == "The Associated Press"
    paragraphs = item.body_text.split("\n\n")
    assert paragraphs[0] == "NORTHERN SECTION"
    assert paragraphs[1] == ";P;W;L;Pts"  # the header row, without its "^" and control codes
    assert "SOUTHERN SECTION" in paragraphs
    assert paragraphs[-1].startswith("Eastwick")  # the closing rule line is not story
    assert "^" not in item.body_text and "=" not in item.body_text


def test_an_editors_note_in_the_body_stays_story():
    # A kill or advisory says what it says in its body's "Editors:" paragraph: it is the text.
    item = one("anpa/ap-kill.anpa")
    assert item.body_text.startswith("Editors: AP has withdrawn")
