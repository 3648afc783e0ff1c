"""Tables and hard wraps read the same in every markup body: NITF, G2 XHTML and HTML (ninjs
``body_html``, feed entries). Invented text in the shapes agencies send."""

from __future__ import annotations

import orjson
import pytest
from lxml import etree

from streams.normalise import normalise
from streams.normalise.layout import prepare_body
from streams.normalise.text import html_to_text

from .conftest import raw_of

RESULTS = (
    "<table><tr><th>Team</th><th>P</th><th>Pts</th></tr>"
    "<tr><td>Northtown</td><td>12</td><td>30</td></tr>"
    "<tr><td>Southville</td><td>12</td><td>27</td></tr></table>"
)
WRAPPED = (
    "<p>WELLINGTON, March 3 (Reuters) - The central bank kept its main rate<br/>"
    "unchanged on Wednesday but said it was ready to act if inflation<br/>"
    "pressures built again over the coming months, officials said.</p>"
)


def _ninjs(body_html: str) -> list:
    doc = {"uri": "urn:test:layout", "type": "text", "headline": "Rates on hold", "language": "en", "body_html": body_html}
    out = normalise(raw_of(orjson.dumps(doc), filename="item.json"))
    assert isinstance(out, list), out
    return out[0].body_text.split("\n\n")


def test_html_table_rows_are_lines_not_a_paragraph_per_cell():
    paragraphs = html_to_text(f"<p>Standings after round 12:</p>{RESULTS}<p>Next round on Saturday.</p>").paragraphs
    assert paragraphs == ["Standings after round 12:", "Team P Pts", "Northtown 12 30", "Southville 12 27",
                          "Next round on Saturday."]


def test_ninjs_body_html_table_and_hard_wraps_read_as_in_nitf():
    paragraphs = _ninjs(WRAPPED + RESULTS)
    assert paragraphs[0] == (
        "WELLINGTON, March 3 (Reuters) - The central bank kept its main rate unchanged on Wednesday but said "
        "it was ready to act if inflation pressures built again over the coming months, officials said."
    )
    assert paragraphs[1:] == ["Team P Pts", "Northtown 12 30", "Southville 12 27"]


def test_short_lines_keep_their_breaks():
    paragraphs = html_to_text("<p>Harbour Office<br/>12 Lock Street<br/>Bristol</p>").paragraphs
    assert paragraphs == ["Harbour Office", "12 Lock Street", "Bristol"]


def test_layout_tables_holding_the_story_keep_its_paragraphs():
    # Old pages lay the story out in a table cell: its paragraphs are not one joined row.
    page = (
        "<table><tr><td><p>First paragraph of the story, long enough to be prose in a cell.</p>"
        "<p>Second paragraph of the story follows here.</p></td><td>Menu</td></tr></table>"
    )
    paragraphs = html_to_text(page).paragraphs
    assert "First paragraph of the story, long enough to be prose in a cell." in paragraphs
    assert "Second paragraph of the story follows here." in paragraphs


def test_a_long_prose_cell_is_not_a_row():
    prose = "This cell holds a whole paragraph of prose that an outlet laid out in a table, " * 3
    tree = etree.fromstring(f"<div><table><tr><td>{prose}</td><td>Side</td></tr></table></div>")
    prepare_body(tree)
    assert tree.find(".//table") is not None  # left alone: its cells become paragraphs of their own


def test_prepare_body_keeps_namespaces_and_the_text_after_a_table():
    ns = "http://www.w3.org/1999/xhtml"
    tree = etree.fromstring(f'<div xmlns="{ns}"><table><tr><td>A</td><td>1</td></tr></table>tail text</div>')
    prepare_body(tree)
    rows = tree.findall(f"{{{ns}}}p")
    assert [p.text for p in rows] == ["A 1"] and rows[-1].tail == "tail text"


def test_a_notice_above_the_story_does_not_become_the_derived_headline():
    doc = {
        "uri": "urn:test:notice", "type": "text", "language": "en",
        "body_html": "<p>This story has not been edited by Example Daily staff and is auto-generated from a "
                     "syndicated feed.</p><p>NAIROBI, March 3 (Reuters) - Kenya's central bank cut its main "
                     "lending rate by 25 basis points on Tuesday, its monetary policy committee said.</p>",
    }
    [item] = normalise(raw_of(orjson.dumps(doc), filename="item.json"))
    assert item.headline.startswith("Kenya's central bank cut its main lending rate"), item.headline
    assert "headline" in item.derived


@pytest.mark.timeout(30)  # a hang guard: removing the breaks one by one took 51 s here
def test_a_hostile_paragraph_of_breaks_is_joined_in_one_pass():
    line = "a line of text that is long enough to be a teletype wrap"
    paragraphs = html_to_text("<p>" + f"{line}<br/>" * 30_000 + "</p>").paragraphs
    assert paragraphs == [" ".join([line] * 30_000)]


@pytest.mark.timeout(30)
def test_many_aligned_lines_become_paragraphs_in_one_splice():
    paragraphs = html_to_text("<div><p>" + "Team  12  30\n" * 50_000 + "</p>after</div>").paragraphs
    assert len(paragraphs) == 50_001 and paragraphs[0] == "Team 12 30" and paragraphs[-1] == "after"
