"""Detection: every ambiguous pair gets an explicit answer."""

import pytest

from streams.normalise import FORMATS, detect_format, normalise

from .conftest import CORPUS, dead, raw_of


def test_formats_names():
    assert FORMATS == (
        "ninjs", "newsml-g2", "newsml-1.2", "nitf", "rss-atom", "json-feed", "anpa-1312", "iptc-7901", "html", "text"
    )


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
    assert detect_format(raw_of('<?xml version="1.0"?><catalog><book/></catalog>')) == "unknown"
    assert dead(raw_of("<catalog><book/></catalog>")).reason == "unknown_format"


def test_nitf_inside_newsml_g2_is_g2():
    g2 = (CORPUS / "newsml-g2/LISTING_2_NewsML-G2_Text_Document.xml").read_bytes()
    assert detect_format(raw_of(g2)) == "newsml-g2"


def test_nitf_inside_newsml12_is_newsml12():
    assert detect_format(raw_of((CORPUS / "newsml-1.2/afp.com_newsml1.2_sample.xml").read_bytes())) == "newsml-1.2"


def test_html_page_is_html_but_a_fragment_is_text():
    assert detect_format(raw_of("<!DOCTYPE html><html><body><p>Hi</p></body></html>")) == "html"
    assert detect_format(raw_of("<!-- saved --><html lang=en><body><p>Hi</p></body></html>")) == "html"
    assert detect_format(raw_of("<p>LONDON (Reuters) - x</p>")) == "text"
    assert detect_format(raw_of("<script>alert(1)</script><p>PARIS (AFP) - x</p>")) == "text"


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


# --------------------------------------------------------------------------- new formats: ambiguous pairs

from .conftest import FIXTURES  # noqa: E402


@pytest.mark.parametrize(
    ("folder", "fmt"), [("anpa", "anpa-1312"), ("iptc7901", "iptc-7901"), ("feeds", "rss-atom"), ("jsonfeed", "json-feed"), ("html", "html")]
)
def test_new_fixture_folders_detected(folder, fmt):
    for path in (p for p in (FIXTURES / folder).iterdir() if p.suffix != ".md"):
        assert detect_format(raw_of(path.read_bytes())) == fmt, path.name


def test_anpa_vs_7901():
    # SYN SYN SOH is ANPA; SOH with "service+number priority-digit category word-count" is 7901.
    anpa = "\x16\x16\x01a0100  \x1fAAA\nr a \x13\x11BC-Story 12-05 0100\n\x02^Headline<\n\tText.\n\x03AP-WF-12-05-25 1000GMT<"
    iptc = "\x01afp0100 4 pol 0100  AFP\nSlug/\n\x02\nHeadline =\n   Text.\n051200 GMT Dec 25\n\x03"
    assert detect_format(raw_of(anpa)) == "anpa-1312"
    assert detect_format(raw_of(iptc)) == "iptc-7901"
    # ANPA whose SYNs were stripped by a gateway: the priority/category line and ^ headings decide.
    assert detect_format(raw_of(anpa.lstrip("\x16"))) == "anpa-1312"
    # 7901 without its header line: STX and a 7901 trailer.
    assert detect_format(raw_of(iptc.split("\n", 1)[1])) == "iptc-7901"


def test_teletype_without_control_characters_is_plain_text():
    # Plain text stays plain text: a capture with the control bytes removed has no transmission frame.
    stripped = "Senate passes bill\n\nWASHINGTON (AP) _ The Senate passed a bill.\nAP-WF-12-05-25 1000GMT"
    assert detect_format(raw_of(stripped)) == "text"
    seed = (FIXTURES / "seed/000_151a3f9044382b47.txt").read_bytes()
    assert detect_format(raw_of(seed)) == "text"


def test_rss_atom_vs_other_xml():
    assert detect_format(raw_of('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')) == "rss-atom"
    assert detect_format(raw_of('<feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>')) == "rss-atom"
    # An Atom feed that also declares the IPTC NewsML-G2 namespace is still a feed.
    atom_g2 = '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:nar="http://iptc.org/std/nar/2006-10-01/"><entry/></feed>'
    assert detect_format(raw_of(atom_g2)) == "rss-atom"
    # RDF without the RSS 1.0 namespace is not a feed.
    assert detect_format(raw_of('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')) == "unknown"


def test_xhtml_page_vs_nitf_and_g2():
    xhtml = '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>PARIS (AFP) - x</p></body></html>'
    assert detect_format(raw_of(xhtml)) == "html"
    assert detect_format(raw_of("<nitf><body><body.content><p>x</p></body.content></body></nitf>")) == "nitf"


def test_hint_breaks_ties_between_feed_and_page_only_when_equal():
    # A bare <channel> is a weak feed; a hint cannot turn a real page into a feed.
    page = (FIXTURES / "html/valleygazette-ap-venezuela.html").read_bytes()
    assert detect_format(raw_of(page, format_hint="rss")) == "html"
