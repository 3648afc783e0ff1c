import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.models import DeadLetter, WireItem, to_json
from streams.normalise import normalise
from streams.normalise.text import normalise_text

from .conftest import raw_of

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(out):
    assert isinstance(out, DeadLetter) or (isinstance(out, list) and out and all(isinstance(i, WireItem) for i in out))
    if isinstance(out, DeadLetter):
        assert out.reason != "internal_error", out.message
    else:
        for item in out:
            assert "<script" not in to_json(item).decode().lower()


@FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    _check(normalise(raw_of(data)))


@FAST
@given(st.text(max_size=2000))
def test_arbitrary_text(text):
    _check(normalise(raw_of(text)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(
        ["uri", "headline", "headlines", "body_text", "body_html", "bodies", "type", "versioncreated",
         "urgency", "associations", "language", "pubstatus", "value", "role", "item", "subjects", "by"]), children, max_size=6),
    max_leaves=20,
)


@FAST
@given(json_values)
def test_arbitrary_json(value):
    _check(normalise(raw_of(json.dumps(value))))


tags = st.sampled_from(["nitf", "newsItem", "NewsML", "p", "body", "hl1", "script", "html", "contentSet", "inlineXML", "x"])
xmlish = st.recursive(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    lambda inner: st.builds(lambda t, c, a: f"<{t}{a}>{''.join(c)}</{t}>", tags, st.lists(inner, max_size=3),
                            st.sampled_from(["", ' onload="x()"', ' xmlns="http://iptc.org/std/nar/2006-10-01/"'])),
    max_leaves=15,
)


@FAST
@given(xmlish)
def test_arbitrary_xmlish(doc):
    _check(normalise(raw_of(doc)))


@FAST
@given(st.text(max_size=500))
def test_text_normalisation_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert "<script" not in once.lower()
