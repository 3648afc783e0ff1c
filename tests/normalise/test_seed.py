"""The foundation issue's acceptance case: a Reuters story republished with caption and clutter."""

from datetime import UTC, datetime

from .conftest import FIXTURES, one

SEED = "seed/000_151a3f9044382b47.txt"


def test_seed_attribution_and_dateline():
    item = one(SEED)
    assert item.format == "text"
    assert item.source.agency == "Reuters"
    assert item.dateline is not None
    assert item.dateline.place == "WASHINGTON"
    assert item.dateline.agency == "Reuters"
    assert item.source.channel == "test"
    assert item.raw_id == "r1"


def test_seed_time_line_in_jst_becomes_utc():
    # "11:48 JST, December 6, 2025" is 02:48 UTC the same day
    assert one(SEED).versioncreated == datetime(2025, 12, 6, 2, 48, tzinfo=UTC)


def test_seed_body_is_the_story_only():
    item = one(SEED)
    source_lines = (FIXTURES / SEED).read_text(encoding="utf-8").splitlines()
    dateline_at = next(i for i, line in enumerate(source_lines) if "(Reuters)" in line)
    last = next(i for i, line in enumerate(source_lines) if line.startswith("The call followed months"))
    story = [line.strip() for line in source_lines[dateline_at : last + 1] if line.strip()]
    assert item.body_text.split("\n\n") == story
    assert item.body_text.startswith("WASHINGTON, Dec 5 (Reuters)")
    assert item.body_text.endswith("as a foreign terrorist group.")
    for clutter in source_lines[last + 1 :]:
        if clutter.strip() and clutter.strip() != "-":
            assert clutter.strip() not in item.body_text


def test_seed_caption_is_a_picture_association():
    item = one(SEED)
    caption = (FIXTURES / SEED).read_text(encoding="utf-8").splitlines()[0].strip()
    assert caption not in item.body_text
    assert item.associations["picture1"].type == "picture"
    assert item.associations["picture1"].description_text == caption


def test_seed_headline_derived_from_the_lead():
    item = one(SEED)
    assert "headline" in item.derived
    assert 20 <= len(item.headline) <= 120
    assert item.headline.startswith("The U.S. pressure campaign against Venezuela")
    assert "Reuters" not in item.headline and "said" not in item.headline
    assert item.language == "en" and "language" in item.derived


def test_seed_fallback_uri_is_stable():
    assert one(SEED).uri == "urn:wirestream:test:r1"
