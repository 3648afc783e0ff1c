from datetime import UTC, datetime

from .conftest import one


def test_afp_newsml12():
    item = one("corpus/newsml-1.2/afp.com_newsml1.2_sample.xml")
    assert item.format == "newsml-1.2"
    assert item.uri == "urn:newsml:afp.com:20210516T080625Z:TX-PAR-WGF71:1"
    assert item.headline == "Israel strikes key Hamas targets as UN Security Council to meet"
    assert item.versioncreated == datetime(2021, 5, 16, 8, 6, 25, tzinfo=UTC)
    assert item.urgency == 4 and item.language == "en"
    assert item.source.agency == "AFP"
    assert item.dateline.place == "Gaza City" and item.dateline.agency == "AFP"
    assert item.body_text.startswith("Israel's army said Sunday")
    assert "- Media offices destroyed -" in item.body_text
    assert {"subj:16000000", "subj:11000000"} <= {s.code for s in item.subjects}


def test_businesswire_body_role_and_nearest_headline():
    item = one("corpus/newsml-1.2/businesswire-newsml-20130731006140.xml")
    assert item.headline.startswith("Lunch Taking a Toll? Let Applebee’s")  # not the video's headline
    assert item.dateline.place == "KANSAS CITY"
    assert item.source.agency == "Business Wire" and item.source.provider == "Business Wire"
    assert item.body_text.startswith("With more Applebee’s")
    assert ".bwalignc" not in item.body_text  # the stylesheet component is not body
    assert item.versioncreated == datetime(2013, 7, 31, 15, 32, tzinfo=UTC)


def test_businesswire_chinese():
    item = one("corpus/newsml-1.2/businesswire-newsml-20130605006126.xml")
    assert item.language == "zh"
    assert item.headline == "Cambrios被Gartner評選為「最酷供應商」"
    assert item.body_text.startswith("(美國商業資訊)")
