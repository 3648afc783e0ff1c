"""Bodies as real agency files shape them (invented text, tests/fixtures/realshapes/SOURCES.md):
teletype copy in NITF with its hard wraps as <br/>, a media credit, a desk sign-off; a dpa-style
XHTML body whose <header> repeats the item's metadata."""

from .conftest import one


def test_nitf_hard_wraps_are_spaces_short_lines_keep_their_breaks_and_signoff_is_dropped():
    item = one("realshapes/nitf_hard_wrapped_br.xml")
    paragraphs = item.body_text.split("\n\n")
    assert paragraphs[0] == (
        "CANBERRA, Aug 12 AAP - Canal boat operators say bookings have risen by a third this summer "
        "as dry weather draws families onto the water, an industry group said on Monday."
    )
    assert paragraphs[1] == "Operators expect the season to run a month longer than usual, the group said."
    assert "12 Lock Street" in paragraphs  # an address's short lines are not hard wraps
    assert "AAP abc xy" not in item.body_text  # the desk's sign-off
    assert "Pat Ng" not in item.body_text  # the picture's producer credit
    assert item.source.agency == "AAP"


def test_xhtml_header_with_metadata_is_not_story():
    item = one("realshapes/g2_xhtml_header_block.xml")
    assert item.body_text.startswith("Bremen (dpa) - Die Stadtbibliothek")
    assert "02.09.2024" not in item.body_text and "Meldung" not in item.body_text
    assert item.dateline is not None and item.dateline.place == "Bremen"


def test_column_aligned_lines_and_table_rows_are_lines_not_one_run_or_one_cell_each():
    item = one("realshapes/g2_xhtml_results_table.xml")
    paragraphs = item.body_text.split("\n\n")
    assert "Northtown 2 Southville 0" in paragraphs
    assert "Eastbury 1 Westford 1" in paragraphs
    assert "Ana Bell 12 30" in paragraphs and "Player G Pts" in paragraphs
    assert paragraphs[-1] == "Next round on Saturday."


def test_closing_rights_notice_is_not_story_and_agency_from_provider_code():
    item = one("realshapes/newsml12_rights_paragraph.xml")
    assert item.body_text.split("\n\n")[-1] == "Prices are expected to rise."
    assert item.source.agency == "ANA-MPA"  # provider id amna.gr
