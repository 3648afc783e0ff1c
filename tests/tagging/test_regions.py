"""Regions: UN M49 from places, region names in the text, and desk regions."""

from __future__ import annotations

from streams.tagging import Tagger


def regions(tagger, item):
    return {t.code: t for t in tagger.tag(item).regions}


def test_m49_chain_from_a_place(tagger, item_factory):
    found = regions(tagger, item_factory("Venezuela's opposition called for protests."))
    assert {"m49:005", "m49:419", "m49:019"} <= set(found)
    assert found["m49:005"].name == "South America"
    assert found["m49:019"].name == "Americas"
    assert found["m49:419"].primary  # the sub-region of the primary place
    assert "m49:001" not in found


def test_region_scores_cover_their_countries(tagger, item_factory):
    found = regions(tagger, item_factory("Cuba and Venezuela signed an accord."))
    assert found["m49:419"].score >= max(found["m49:029"].score, found["m49:005"].score)


def test_region_named_in_the_text(tagger, item_factory):
    found = regions(tagger, item_factory("Inflation in Latin America slowed in the third quarter."))
    assert "m49:419" in found
    assert found["m49:419"].evidence[0].text == "Latin America"
    assert "m49:019" in found  # the broader region follows


def test_africa_and_europe(tagger, item_factory):
    found = regions(tagger, item_factory("Sudan's army and Kenya's government met in Nairobi; Poland sent aid."))
    assert {"m49:015", "m49:002", "m49:014", "m49:202", "m49:151", "m49:150"} <= set(found)


def test_desk_regions(tagger, item_factory):
    found = regions(tagger, item_factory("Israel and Lebanon exchanged fire; Iran condemned the strikes."))
    assert "desk:mideast-desk" in found
    assert found["desk:mideast-desk"].name == "Middle East desk"
    assert "desk:latam-desk" in regions(tagger, item_factory("Peru and Bolivia agreed on water rights."))


def test_custom_desk_file(tmp_path, item_factory):
    desks = tmp_path / "desks.yaml"
    desks.write_text(
        "desks:\n"
        "  - id: andes\n    name: Andes desk\n    members: [PE, BO, EC, CO]\n"
        "  - id: americas-ex-us\n    name: Americas without the U.S.\n    members: ['m49:019']\n    exclude: [US]\n",
        encoding="utf-8",
    )
    tagger = Tagger.load(desk_regions_path=desks)
    found = regions(tagger, item_factory("Peru and the United States signed a trade pact."))
    assert found["desk:andes"].name == "Andes desk"
    assert "desk:americas-ex-us" in found
    only_us = regions(tagger, item_factory("The United States said it would respond."))
    assert "desk:americas-ex-us" not in only_us and "desk:andes" not in only_us
