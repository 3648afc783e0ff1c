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


# --------------------------------------------------------------------------- mutated real inputs

import re  # noqa: E402

from .conftest import FIXTURES  # noqa: E402

SAMPLES = sorted(
    p for folder in ("corpus", "seed", "text", "anpa", "iptc7901", "feeds", "html")
    for p in (FIXTURES / folder).rglob("*") if p.is_file() and p.suffix != ".md"
)
_SAMPLE_BYTES = {p: p.read_bytes() for p in SAMPLES}
_HANDLER = re.compile(r"(?<![\w-])on[a-z]+\s*=", re.IGNORECASE)
INSERTS = [
    b'<!DOCTYPE x [<!ENTITY a "bbbbbbbb"><!ENTITY b "&a;&a;&a;&a;">]>',
    b'<!ENTITY x SYSTEM "file:///etc/passwd">',
    b"&x;&b;",
    b"\x00\x01\x02\x03\x16\x1f\x7f\x85\x9b",
    b"<div>" * 3000 + b"deep" + b"</div>" * 10,
    b"[" * 5000,
    b"<script>alert(1)</script>",
    b'<p onload="x()" onclick = "y()">',
    b'<a href="javascript:alert(1)">x</a>',
    b"\xff\xfe\x00",
    b"\r\r\n\t^",
]


@st.composite
def mutated(draw):
    data = bytearray(_SAMPLE_BYTES[draw(st.sampled_from(SAMPLES))])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, max(0, len(data))))
        if kind == "flip" and data:
            i = min(at, len(data) - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            data = data[:at]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


def _check_safe(out):
    _check(out)
    if isinstance(out, list):
        for item in out:
            dumped = to_json(item).decode()
            low = dumped.lower()
            assert "<script" not in low and "javascript:" not in low
            assert not _HANDLER.search(dumped), _HANDLER.search(dumped)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_samples_never_raise_and_stay_safe(data):
    _check_safe(normalise(raw_of(data)))


@FAST
@given(st.sampled_from(SAMPLES), st.sampled_from(["ninjs", "newsml-g2", "newsml-1.2", "nitf", "rss-atom", "anpa-1312", "iptc-7901", "html", "text"]))
def test_every_sample_through_every_parser(path, fmt):
    # Forcing the wrong parser on real input must still give items or a dead letter.
    _check_safe(normalise(raw_of(_SAMPLE_BYTES[path]), force_format=fmt))
