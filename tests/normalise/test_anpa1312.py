"""ANPA-1312 golden tests: what a careful editor reads from each transmission."""

from datetime import UTC, datetime

from streams.normalise import normalise
from streams.normalise.teletype import version_marks

from .conftest import one, raw_of

STX, ETX = "\x02", "\x03"


def test_first_lead_writethru():
    item = one("anpa/ap-senate-budget-1stld.anpa")
    assert item.format == "anpa-1312"
    assert item.headline == "Senate passes stopgap spending bill, averting a shutdown"
    assert item.byline == "HÉLÈNE MARCHAND"  # Latin-1 bytes decoded; title line "Associated Press Writer" is not byline
    assert item.dateline.place == "WASHINGTON" and item.dateline.agency == "AP"
    assert item.source.agency == "AP" and item.source.provider == "AP"
    assert item.versioncreated == datetime(2025, 12, 5, 23, 47, tzinfo=UTC)  # trailer AP-WF-12-05-25 2347GMT
    assert item.version == "2" and "update" in item.signals
    assert item.uri == "urn:anpa:ap:2025-12-05:bc-us-senate-budget"
    assert item.evolvedfrom == item.uri + "@1"
    assert item.urgency == 3  # priority letter u = urgent
    assert [s.code for s in item.subjects] == ["anpa-cat:w"]
    assert item.language == "en" and item.pubstatus.value == "usable"
    assert item.slugline == "BC-US-Senate-Budget"
    body = item.body_text
    assert body.startswith("WASHINGTON (AP) — The Senate passed a stopgap spending bill late Friday")
    assert body.endswith("The House approved the measure on Wednesday by 262-170.")
    assert body.count("\n\n") == 4  # five TAB paragraphs
    assert "“We kept the lights on" in body and "of us,” Senate" in body  # ``...'' quotes
    assert "road” — a complaint" in body  # " _ " dash
    for clutter in ("MORE", "^", "Eds:", "AP-WF", "\x03", "<", "Associated Press Writer"):
        assert clutter not in body
    assert any("UPDATES with final vote" in w for w in item.warnings)  # the editor's note is kept, not in the body


def test_bulletin_alert_without_headline_line():
    item = one("anpa/ap-senate-budget-alert.anpa")
    assert item.urgency == 2  # b = bulletin
    assert "headline" in item.derived
    assert item.headline.startswith("The Senate passes stopgap spending bill")
    assert item.body_text.startswith("WASHINGTON (AP) — The Senate passes")
    assert item.versioncreated == datetime(2025, 12, 5, 23, 31, tzinfo=UTC)
    assert item.version is None and item.signals == []


def test_corrective_with_latin1_and_cr_cr_lf():
    item = one("anpa/ap-soccer-corrective.anpa")
    assert item.headline == "Real Madrid beats Sevilla 3-1 to go top of La Liga"
    assert item.byline == "JOSÉ MARÍA PEÑA"
    assert item.signals == ["correction"]
    assert item.urgency == 5 and item.subjects[0].code == "anpa-cat:s"
    assert item.versioncreated == datetime(2025, 12, 6, 1, 14, tzinfo=UTC)
    assert "Íñigo Álvarez said. “We knew" in item.body_text
    assert item.body_text.endswith("Barcelona visits Valencia on Sunday.")
    assert "\r" not in item.body_text and item.body_text.count("\n\n") == 3


def test_update_take_key_and_refile_headline_prefix():
    item = one("anpa/rtrs-tokyo-stocks-update2.anpa")
    assert item.headline == "Nikkei ends at record as chip stocks extend rally"
    assert set(item.signals) == {"update", "refile"}
    assert item.version == "3"  # UPDATE 2 = third version
    assert item.source.agency == "Reuters" and item.dateline.agency == "Reuters"
    assert item.dateline.date_text == "Dec 5"
    assert item.versioncreated == datetime(2025, 12, 5, 7, 12, tzinfo=UTC)
    assert item.byline == "Mariko Tanabe"


def test_table_lines_stay_lines():
    item = one("anpa/ap-nhl-standings-table.anpa")
    assert item.headline == "National Hockey League standings"
    lines = item.body_text.split("\n\n")
    assert lines[0] == "EASTERN CONFERENCE" and lines[-1].startswith("Florida")
    assert len(lines) == 5


def test_kill_is_canceled():
    item = one("anpa/ap-kill.anpa")
    assert item.pubstatus.value == "canceled" and "kill" in item.signals
    assert item.urgency == 1  # f = flash


def test_versions_of_one_story_share_a_uri():
    first = "\x16\x16\x01a0100  \x1fAAA\nr a \x13\x11BC-Story 12-05 0100\n\x02   ^BC-Story,0100<\n^Headline<\n\tNEW YORK (AP) _ Text one.\n\x03AP-WF-12-05-25 1000GMT<\n"
    second = first.replace("BC-Story 12-05", "BC-Story 2ndLd-Writethru 12-05").replace("Text one", "Text two")
    [a] = normalise(raw_of(first))
    [b] = normalise(raw_of(second))
    assert a.uri == b.uri and a.version is None and b.version == "3"
    assert b.evolvedfrom == f"{a.uri}@2"


def test_missing_etx_and_header_still_reads_with_a_warning():
    text = "\x02^Budget talks resume<\n\tBERLIN (dpa) _ Talks resumed on Monday.\nAP-WF-12-05-25 1000GMT"
    [item] = normalise(raw_of(text), force_format="anpa-1312")
    assert item.headline == "Budget talks resume"
    assert item.body_text == "BERLIN (dpa) — Talks resumed on Monday."
    assert any("ETX" in w for w in item.warnings)


def test_version_marks():
    assert (version_marks("1stLd-Writethru").version, version_marks("1stLd-Writethru").signals) == (2, ["update"])
    assert version_marks("3rd Ld-Writethru").version == 4
    assert version_marks("(UPDATE 2)").version == 3
    assert version_marks("Corrective").signals == ["correction"]
    assert version_marks("REFILE").signals == ["refile"]
    assert version_marks("BC-Prison-Corrections").signals == []
