"""Current wire copy: topic phrases."""

from __future__ import annotations

import pytest


def places(tagger, item):
    return {t.code: t for t in tagger.tag(item).places}


def topic_codes(tagger, item):
    return {t.code for t in tagger.tag(item).topics}


# ---------------------------------------------------------------- topics of current copy

@pytest.mark.parametrize("headline, body, code", [
    ("Central bank cuts key rate", "The central bank cut its key interest rate by 25 basis points, saying "
     "monetary policy could ease as inflation slowed.", "medtop:20000350"),
    ("Army seizes power", "Officers said they had seized power and dissolved the government; the "
     "regional bloc condemned the coup.", "medtop:20000070"),
    ("Thieves steal crown jewels from museum", "Thieves escaped with jewels in a daylight heist.",
     "medtop:20000082"),
    ("Floods force thousands from homes", "Record floods forced thousands to flee as rivers burst their banks.",
     "medtop:20000148"),
    ("Boat carrying migrants capsizes", "A boat capsized off the coast with 70 people on board.",
     "medtop:20000139"),
    ("Armenia, Azerbaijan move towards treaty", "A final peace treaty could be signed next year.",
     "medtop:20000641"),
    ("Morocco opens Africa Cup of Nations", "The tournament opens on Sunday with 24 teams.", "medtop:20001108"),
    ("Social media ban for children takes effect", "Platforms must remove accounts; social media firms "
     "said age checks would be hard on the internet.", "medtop:20000756"),
])
def test_current_topic_phrases(tagger, item_factory, headline, body, code):
    assert code in topic_codes(tagger, item_factory(body, headline=headline))
