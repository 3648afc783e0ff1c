"""General text rules: label runs (kickers) and defanged handler attributes."""

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
