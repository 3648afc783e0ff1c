"""IPTC 7901 as dpa sends it (invented text, tests/fixtures/realshapes/SOURCES.md): the time trailer
right after the ETX, and a source code naming one of the agency's services."""

from datetime import UTC, datetime

from .conftest import one


def test_trailer_after_etx_gives_the_time_and_a_service_code_gives_the_agency():
    item = one("realshapes/iptc7901_trailer_after_etx.txt")
    assert item.versioncreated == datetime(2024, 4, 9, 14, 37, tzinfo=UTC)
    assert item.source.agency == "dpa"  # source "dpa-xyz": a dpa service
    assert item.headline == "Storm closes two Dutch ports for a day"
    assert item.body_text.split("\n\n")[-1] == "Ferries were to resume on Wednesday morning."
    assert not any("trailer" in w for w in item.warnings)


def test_markdown_notebook_and_not_for_publication_block_are_notes_not_story():
    item = one("realshapes/iptc7901_markdown_notebook.txt")
    assert item.body_text.split("\n\n")[-1] == "The trial will last six months."
    assert "Reporting by" not in item.body_text and "NOTEBOOK" not in item.body_text
    assert any("not for publication" in w for w in item.warnings)
