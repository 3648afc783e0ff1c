"""Every corpus file is handled: items with the basics, or a dead letter with the expected reason."""

import pytest

from streams.models import DeadLetter
from streams.normalise import normalise

from .conftest import CORPUS, raw_of

EXPECTED_DEAD = {
    "hostile/billion-laughs.xml": "xml_entities",
    "hostile/xxe.xml": "xml_entities",
    "malformed/empty.txt": "empty_payload",
    "malformed/truncated-ninjs.json": "invalid_json",
    "malformed/ninjs-no-text_003_malformed_property.json": "no_text",
    "newsml-g2/ap_metadata_example.xml": "not_text",
    "newsml-g2/LISTING_29_Hop_History.xml": "no_text",
}
FILES = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


@pytest.mark.parametrize("rel", FILES)
def test_corpus_file(rel):
    out = normalise(raw_of((CORPUS / rel).read_bytes(), filename=rel))
    if rel in EXPECTED_DEAD:
        assert isinstance(out, DeadLetter) and out.reason == EXPECTED_DEAD[rel]
        return
    assert isinstance(out, list) and out, getattr(out, "message", out)
    for item in out:
        assert item.headline
        assert item.body_text or item.description_text or rel.endswith("News_Item.xml")  # headline-only item
        assert item.language or rel.startswith("hostile/")
        if item.versioncreated is not None:
            assert item.versioncreated.utcoffset().total_seconds() == 0
