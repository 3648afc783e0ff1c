"""General text rules: label runs (kickers) and defanged handler attributes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.normalise.text import clean_line, html_to_text


def test_label_run_before_the_story_is_not_story():
    out = html_to_text('<h1>Title</h1><div class="k"><span>Ekonomi</span><span>TT</span></div><p>Story text here.</p>')
    assert out.paragraphs == ["Title", "Story text here."]


def test_label_run_inside_the_story_keeps_labels_apart():
    out = html_to_text("<p>First paragraph.</p><div><a>Oslo</a><a>Bergen</a></div><p>Last.</p>")
    assert out.paragraphs == ["First paragraph.", "Oslo Bergen", "Last."]


def test_sentences_in_spans_are_not_labels():
    out = html_to_text("<div><span>He said it.</span><span>Then left.</span></div>")
    assert out.paragraphs == ["He said it.Then left."]  # text as written: not a label run


def test_handler_attributes_are_defanged_in_plain_text():
    assert clean_line('broken tag onload="x()" here') == 'broken tag onload "x()" here'
    assert clean_line("a=1 action=go mention=x") == "a=1 action=go mention=x"


def _clean_line_reference(text):
    """clean_line without its printable-ASCII fast path: the fast path must give exactly this."""
    import unicodedata

    from streams.normalise.text import _CONTROL, defang

    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    text = defang(text)
    return " ".join(text.split())


_PIECES = st.sampled_from(
    ["Oslo", "said", " ", "  ", "\t", "\n", "\r", "\x0b", "\x00", "\x7f", "\x85", "\xa0", "\u2028", "<b>", "</p>",
     "<script>", "< x", "javascript:", "data:text/html", "onload=", "on=", "=", ":", "e\u0301", "\u00e9", "\u200b", ""]
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(_PIECES, max_size=25).map("".join), st.text(max_size=120)))
def test_clean_line_fast_path_matches_the_reference(text):
    assert clean_line(text) == _clean_line_reference(text)


def _split_paragraphs_reference(text, lines_are_paragraphs=True):
    import re

    from streams.normalise.text import clean_paragraphs

    text = re.sub(r"\r\n?|[\u2028\u2029\x85]", "\n", text)
    blocks = re.split(r"\n\s*\n|\r\n\s*\r\n", text)
    out = []
    for block in blocks:
        out.extend(block.split("\n")) if lines_are_paragraphs else out.append(block.replace("\n", " "))
    return clean_paragraphs(out)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(_PIECES, max_size=25).map("".join), st.text(max_size=120)), st.booleans())
def test_split_paragraphs_matches_the_reference(text, lines_are_paragraphs):
    from streams.normalise.text import split_paragraphs

    expected = _split_paragraphs_reference(text, lines_are_paragraphs)
    assert split_paragraphs(text, lines_are_paragraphs=lines_are_paragraphs) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", " ", "\n", "\t", "\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x85", "\x9f", "\xe9", "\ufffd"]), max_size=300))
def test_binary_check_counts_controls_as_the_regex_does(text):
    from streams.normalise.decode import _CONTROL, BINARY_CONTROL_SHARE, _looks_binary

    assert _looks_binary(text) == (len(_CONTROL.findall(text)) > BINARY_CONTROL_SHARE * len(text))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("*Storm hits the coast", "Storm hits the coast"),
        ("** Storm hits the coast", "Storm hits the coast"),
        ("• Storm hits the coast", "Storm hits the coast"),
        ("# Storm hits the coast", "Storm hits the coast"),
        ("#MeToo founder speaks", "#MeToo founder speaks"),
        ("***", "***"),
        ("Storm * hits", "Storm * hits"),
    ],
)
def test_leading_headline_markers_are_not_headline_text(given, expected):
    from streams.normalise.headline import strip_markers

    assert strip_markers(given) == expected
