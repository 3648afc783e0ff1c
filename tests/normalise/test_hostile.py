from streams.models import to_json
from streams.normalise import normalise

from .conftest import dead, one, raw_of


def test_billion_laughs_refused():
    letter = dead("corpus/hostile/billion-laughs.xml")
    assert letter.reason == "xml_entities"
    assert letter.original.startswith("<?xml")  # original bytes kept for the DLQ


def test_xxe_refused_nothing_fetched():
    letter = dead("corpus/hostile/xxe.xml")
    assert letter.reason == "xml_entities"
    assert "root:" not in letter.message


def test_entities_in_html_refused():
    page = '<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]><html><body><p>&x;</p></body></html>'
    assert normalise(raw_of(page)).reason == "xml_entities"


def test_script_injection_accepted_as_text_without_any_active_content():
    item = one("corpus/hostile/script-injection.html")
    assert item.body_text == "WASHINGTON (Reuters) - Script in the body."
    assert item.source.agency == "Reuters"
    dumped = to_json(item).decode().lower()
    for bad in ("<script", "alert(", "onload", "javascript:", "<p"):
        assert bad not in dumped


def test_style_and_handlers_removed_everywhere():
    page = (
        '<html><head><style>p{color:red}</style></head><body><p onclick="evil()">PARIS (AFP) - Ok.</p>'
        '<a href="javascript:alert(1)">link</a><p>&lt;script&gt;alert(2)&lt;/script&gt; text</p></body></html>'
    )
    [item] = normalise(raw_of(page))
    dumped = to_json(item).decode().lower()
    for bad in ("<script", "color:red", "onclick", "javascript:", "evil("):
        assert bad not in dumped


def test_invalid_utf8_decoded_with_a_warning():
    item = one("corpus/hostile/invalid-utf8.txt")
    assert item.body_text.startswith("WASHINGTON, Dec 5 (Reuters) - Café")
    assert any("not valid UTF-8" in w for w in item.warnings)
    assert item.source.agency == "Reuters"


def test_too_large():
    assert normalise(raw_of(b"x" * (9 * 1024 * 1024))).reason == "too_large"


def test_binary_bytes_are_a_dead_letter_not_an_item():
    from streams.models import DeadLetter, RawItem
    from streams.normalise import normalise

    result = normalise(RawItem.from_bytes(bytes(range(256)) * 3, source="t"))
    assert isinstance(result, DeadLetter)
    assert result.reason == "undecodable"
    assert RawItem.from_bytes(bytes(range(256)) * 3, source="t").payload == result.original
