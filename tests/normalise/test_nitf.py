from datetime import UTC, datetime

from streams.normalise import normalise

from .conftest import one, raw_of


def test_ntb_nitf():
    item = one("corpus/nitf/NTB_nitf_sample.xml")
    assert item.format == "nitf"
    assert item.headline == "Pandemien herjer på den legeløse indiske landsbygda"
    assert item.byline == "NTB-AFP-DPA"
    assert item.dateline.place == "Unnao"
    assert item.urgency == 5 and item.language == "nb-NO"
    assert item.versioncreated == datetime(2021, 5, 16, 9, 0, 4, tzinfo=UTC)
    assert any("no timezone" in w for w in item.warnings)
    assert item.source.agency == "NTB"
    assert item.body_text.startswith("Koronapandemien herjer")
    assert "Kremasjonsbål" not in item.body_text  # media caption goes to associations
    assert item.associations["picture1"].description_text.startswith("Kremasjonsbål")
    assert {"subj:07001000", "subj:07000000"} <= {s.code for s in item.subjects}


NITF_KILL = """<?xml version="1.0"?>
<!DOCTYPE nitf PUBLIC "-//IPTC//DTD NITF 3.6//EN" "http://www.iptc.org/std/NITF/3.6/nitf-3-6.dtd">
<nitf><head><title>Take 2 - keyword</title>
<docdata><doc-id id-string="abc-1"/><date.issue norm="20131113T150900+1100"/><management-status info="canceled"/></docdata>
<urgency ed-urg="2"/></head>
<body><body.head><hedline><hl1>Real headline</hl1></hedline><byline>By Jane Roe</byline></body.head>
<body.content><p>SYDNEY (AAP) - Text with&nbsp;<org>an org</org> and <chron>today</chron>.</p></body.content></body></nitf>"""


def test_basic_iso_external_dtd_not_fetched_kill_and_ed_urg_outside_docdata():
    [item] = normalise(raw_of(NITF_KILL))
    assert item.headline == "Real headline"  # hl1 wins over title
    assert item.versioncreated == datetime(2013, 11, 13, 4, 9, tzinfo=UTC)
    assert item.pubstatus.value == "canceled" and "kill" in item.signals
    assert item.urgency == 2 and item.byline == "Jane Roe" and item.uri == "abc-1"
    assert item.body_text == "SYDNEY (AAP) - Text with an org and today."
    assert item.source.agency == "AAP"
