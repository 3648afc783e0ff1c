"""Property tests: tagging never raises, evidence always indexes its text, results are stable."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.models import Tags

# Text mixing real names, punctuation, accents, case changes and arbitrary unicode.
WORDS = st.sampled_from([
    "Venezuela", "U.S.", "US", "us", "Georgia", "Jordan", "Chad", "turkey", "Turkey", "Niger", "Nigeria",
    "Washington", "Denzel", "Nicolás", "Maduro", "Nicolas Maduro", "Díaz-Canel", "ICC", "court", "sanctions",
    "talks", "Latin America", "America", "Côte d’Ivoire", "İstanbul", "ß", "Ελλάδα", "Москва", "北京",
    "said", "the", "of", ".", ",", "’s", "—", "\n", "  ", "-", "F-35", "U.N.", "war", "strike*", "re:(",
])
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(WORDS, st.text(max_size=6)), max_size=60).map(" ".join),
)


def _check(item, tags: Tags) -> None:
    sources = {"headline": item.headline, "body_text": item.body_text,
               "dateline": item.dateline.place if item.dateline else "",
               "dateline_text": (item.dateline.text or "") if item.dateline else ""}
    # Places (and so regions) may share the subject: a few primaries, the strongest among them.
    for group in (tags.places, tags.regions):
        assert sum(t.primary for t in group) <= 3
    assert not tags.places or tags.places[0].primary
    for group in (tags.topics, tags.people, tags.organisations, tags.storylines):
        assert sum(t.primary for t in group) <= 1
    for group in (tags.places, tags.regions, tags.topics, tags.people, tags.organisations, tags.storylines):
        for tag in group:
            assert 0.0 <= tag.score <= 1.0
            for ev in tag.evidence:
                text = sources[ev.field]
                assert 0 <= ev.start <= ev.end <= len(text)
                assert text[ev.start:ev.end] == ev.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=TEXT, headline=TEXT, dateline=st.one_of(st.none(), WORDS, st.text(max_size=20)))
def test_tag_never_raises_and_evidence_indexes_text(tagger, item_factory, body, headline, dateline):
    item = item_factory(body, headline=headline, dateline=dateline or None)
    tags = tagger.tag(item)
    _check(item, tags)
    # Valid against the schema, and deterministic.
    assert Tags.model_validate(tags.model_dump()) == tags
    assert tagger.tag(item) == tags


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.text(max_size=40), suffix=st.text(max_size=40))
def test_seed_like_text_with_noise(tagger, item_factory, prefix, suffix):
    body = prefix + " The U.S. pressure on Venezuela grew as Nicolás Maduro met Cuba’s envoy. " + suffix
    item = item_factory(body)
    tags = tagger.tag(item)
    _check(item, tags)
    assert "person:nicolas-maduro" in {t.code for t in tags.people}


SCORE_TEXT = st.lists(
    st.one_of(st.sampled_from(["beat", "won", "drew", "win", "victory", "ruled", "aged", "-", " ", ",", ".", "(5)",
                               "7-6", "6-4", "2024-25", "2025-12-02", "F-16", "52-48", "1.5-2"]),
              st.integers(0, 2000).map(str), st.text(alphabet="0123456789- ,.()", max_size=8)),
    max_size=40,
).map("".join)


@given(SCORE_TEXT)
@settings(max_examples=300, deadline=None)
def test_a_sports_result_is_always_one_whole_pair_of_scores(text):
    from streams.tagging._tagger import _scorelines

    for start, end, _key in _scorelines(text):
        span = text[start:end]
        left, _, right = span.split("(")[0].partition("-")
        assert left.isdigit() and right.isdigit() and len(left) <= 3 and len(right) <= 3, span
        # never a piece of a longer number, range or date
        assert not (start and text[start - 1] in "0123456789.-"), span
        assert not (end < len(text) and text[end] in "0123456789-"), span
