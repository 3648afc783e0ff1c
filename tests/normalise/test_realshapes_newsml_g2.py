"""NewsML-G2 shapes of real agency files (invented text, tests/fixtures/realshapes/SOURCES.md):
packages that only reference their items, and an NITF document declaring the G2 namespace."""

from streams.normalise import detect_format

from .conftest import dead, fixture_raw, one


def test_package_item_root_is_not_text_and_the_message_says_it_is_a_package():
    assert detect_format(fixture_raw("realshapes/g2_package_only.xml")) == "newsml-g2"
    letter = dead("realshapes/g2_package_only.xml")
    assert letter.reason == "not_text"
    assert "packageItem" in letter.message and "3 item(s)" in letter.message
    assert "1 text" in letter.message and "2 picture" in letter.message
    assert "none" not in letter.message


def test_message_with_only_a_package_names_the_package():
    letter = dead("realshapes/g2_message_package_only.xml")
    assert letter.reason == "not_text"
    assert "packageItem (composite) referencing 1 item(s) (1 text)" in letter.message


def test_nitf_root_declaring_the_g2_namespace_is_nitf():
    assert detect_format(fixture_raw("realshapes/nitf_declaring_g2_namespace.xml")) == "nitf"
    item = one("realshapes/nitf_declaring_g2_namespace.xml")
    assert item.headline == "Ferry strike called off"
    assert item.body_text.count("\n\n") == 1
