"""Detection: every ambiguous pair gets an explicit answer."""

import pytest

from streams.normalise import FORMATS, detect_format, normalise

from .conftest import CORPUS, dead, raw_of


def test_formats_names():
    assert FORMATS == ("ninjs", "newsml-g2", "newsml-1.2", "nitf", "text")


@pytest.mark.parametrize(
    ("folder", "fmt"),
    [("ninjs", "ninjs"), ("newsml-g2", "newsml-g2"), ("newsml-1.2", "newsml-1.2"), ("nitf", "nitf"), ("text", "text")],
)
def test_corpus_folders_detected(folder, fmt):
    for path in (CORPUS / folder).iterdir():
        assert detect_format(raw_of(path.read_bytes())) == fmt, path.name


def test_json_that_is_not_ninjs():
    assert detect_format(raw_of('{"temperature": 21, "city": "Oslo"}')) == "unknown"
    assert dead(raw_of('{"temperature": 21}')).reason == "unknown_format"
    assert dead(raw_of('[{"a": 1}]')).reason == "unknown_format"


def test_text_starting_with_a_brace_is_text_not_json():
    assert detect_format(raw_of("{Embargoed} LONDON (Reuters) - Something happened.")) == "text"


def test_xml_that_is_neither():
    assert detect_format(raw_of('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')) == "unknown"
    assert dead(raw_of("<catalog><book/></catalog>")).reason == "unknown_format"


def test_nitf_inside_newsml_g2_is_g2():
    g2 = (CORPUS / "newsml-g2/LISTING_2_NewsML-G2_Text_Document.xml").read_bytes()
    assert detect_format(raw_of(g2)) == "newsml-g2"


def test_nitf_inside_newsml12_is_newsml12():
    assert detect_format(raw_of((CORPUS / "newsml-1.2/afp.com_newsml1.2_sample.xml").read_bytes())) == "newsml-1.2"


def test_html_page_is_text_and_html_fragment_too():
    assert detect_format(raw_of("<!DOCTYPE html><html><body><p>Hi</p></body></html>")) == "text"
    assert detect_format(raw_of("<p>LONDON (Reuters) - x</p>")) == "text"


def test_hint_breaks_ties_only():
    # A JSON object with only an id is a weak ninjs candidate: the hint cannot make it NITF.
    assert detect_format(raw_of('{"uri": "x"}', format_hint="nitf")) == "ninjs"
    # Strong structure beats a wrong hint.
    nitf = (CORPUS / "nitf/NTB_nitf_sample.xml").read_bytes()
    assert detect_format(raw_of(nitf, format_hint="ninjs")) == "nitf"


def test_force_format_overrides_detection():
    nitf = (CORPUS / "nitf/NTB_nitf_sample.xml").read_bytes()
    [item] = normalise(raw_of(nitf), force_format="text")
    assert item.format == "text"
    assert normalise(raw_of(nitf), force_format="ninjs").reason == "invalid_json"
    assert normalise(raw_of(nitf), force_format="nope").reason == "unknown_format"
    [item] = normalise(raw_of(nitf), force_format="NITF")
    assert item.format == "nitf"


def test_malformed_xml():
    assert dead(raw_of("<nitf><head><title>x</title></head><body>")).reason == "invalid_xml"
