"""Time lines as outlets print them: weekday forms, separators, zones in parentheses, generic zone
names (ET, PT, CET/CEST) resolved by their daylight-saving rule, several times on one line."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from streams.normalise.timezones import find_all_datetimes, find_datetime, generic_zones, zone_at


def utc(text):
    found = find_datetime(text)
    assert found is not None, text
    assert found[1], f"no zone read in {text!r}"
    return found[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Updated 3:15 PM EST, Tue December 2, 2025", datetime(2025, 12, 2, 20, 15, tzinfo=UTC)),
        ("Published Tue, Dec 2, 2025 · 04:05 PM SGT", datetime(2025, 12, 2, 8, 5, tzinfo=UTC)),
        ("Tue 2 Dec 2025 07.00 CET", datetime(2025, 12, 2, 6, 0, tzinfo=UTC)),
        ("19:05 (JST) Dec 2, 2025", datetime(2025, 12, 2, 10, 5, tzinfo=UTC)),
        ("Dec 2, 2025 | 18:20 JST", datetime(2025, 12, 2, 9, 20, tzinfo=UTC)),
        ("Dec 2, 2025, 11:20 PM IST", datetime(2025, 12, 2, 17, 50, tzinfo=UTC)),
        ("2025-12-02 10:31 KST", datetime(2025, 12, 2, 1, 31, tzinfo=UTC)),
        ("Posted Dec. 2, 2025, 6:12 a.m. ET", datetime(2025, 12, 2, 11, 12, tzinfo=UTC)),
        ("July 2, 2025 at 9:41 a.m. ET", datetime(2025, 7, 2, 13, 41, tzinfo=UTC)),
        ("10:00 UK time, July 3, 2025", datetime(2025, 7, 3, 9, 0, tzinfo=UTC)),
        # Japanese (kana on the line: Japan's time), with and without the zone written.
        ("配信日時：2025年12月2日 15時30分 ニュース", datetime(2025, 12, 2, 6, 30, tzinfo=UTC)),
        ("2025年12月2日（火）午後3時05分（日本時間）", datetime(2025, 12, 2, 6, 5, tzinfo=UTC)),
        # Korean: Korea's time.
        ("입력 2025년 12월 2일 오후 3:30", datetime(2025, 12, 2, 6, 30, tzinfo=UTC)),
        ("2025년 12월 2일 15시 30분 송고", datetime(2025, 12, 2, 6, 30, tzinfo=UTC)),
        ("2025.12.02 15:30 KST", datetime(2025, 12, 2, 6, 30, tzinfo=UTC)),
        # Chinese: simplified forms and the half-day words; Beijing time named.
        ("2025年12月2日 下午3时30分", datetime(2025, 12, 2, 7, 30, tzinfo=UTC)),
        ("2025年12月2日 15:30 北京时间", datetime(2025, 12, 2, 7, 30, tzinfo=UTC)),
    ],
)
def test_time_line_forms(line, expected):
    assert utc(line) == expected


def test_us_generic_zone_switches_on_the_rule_dates():
    # 2025: daylight time from Sunday 9 March 02:00 to Sunday 2 November 02:00.
    assert utc("March 8, 2025 12:00 PM ET") == datetime(2025, 3, 8, 17, 0, tzinfo=UTC)
    assert utc("March 10, 2025 12:00 PM ET") == datetime(2025, 3, 10, 16, 0, tzinfo=UTC)
    assert utc("November 1, 2025 12:00 PM PT") == datetime(2025, 11, 1, 19, 0, tzinfo=UTC)
    assert utc("November 3, 2025 12:00 PM PT") == datetime(2025, 11, 3, 20, 0, tzinfo=UTC)


def test_eu_generic_zone_switches_on_the_rule_dates():
    # 2025: summer time from Sunday 30 March 01:00 UTC to Sunday 26 October 01:00 UTC.
    assert utc("29 March 2025 12:00 CET/CEST") == datetime(2025, 3, 29, 11, 0, tzinfo=UTC)
    assert utc("31 March 2025 12:00 CET/CEST") == datetime(2025, 3, 31, 10, 0, tzinfo=UTC)
    assert utc("27 October 2025 12:00 CET/CEST") == datetime(2025, 10, 27, 11, 0, tzinfo=UTC)


_ZONEINFO = Path("/usr/share/zoneinfo/America/New_York").exists()


@pytest.mark.skipif(not _ZONEINFO, reason="system time-zone database not installed")
@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(2008, 1, 1), max_value=datetime(2037, 12, 31)))
def test_rules_agree_with_the_tz_database(local):
    from zoneinfo import ZoneInfo

    # Skip the ambiguous and the skipped hour at each change.
    for name, tzname in (("ET", "America/New_York"), ("PT", "America/Los_Angeles"), ("CET/CEST", "Europe/Berlin"), ("UK", "Europe/London")):
        ref = local.replace(tzinfo=ZoneInfo(tzname))
        around = {ref.utcoffset(), (ref - timedelta(hours=2)).utcoffset(), (ref + timedelta(hours=2)).utcoffset()}
        if len(around) > 1:
            continue
        assert zone_at(name, local).utcoffset(None) == ref.utcoffset(), (name, local)


def test_generic_zones_are_loaded_from_the_data_file():
    assert {"ET", "CT", "MT", "PT"} <= set(generic_zones())


def test_published_and_updated_on_one_line_are_both_read_in_order():
    found = find_all_datetimes("Published: 2 Dec 2025, 07:00 CET | Updated: 2 Dec 2025, 09:45 CET")
    assert [t for t, _, _ in found] == [datetime(2025, 12, 2, 6, 0, tzinfo=UTC), datetime(2025, 12, 2, 8, 45, tzinfo=UTC)]


def test_relative_times_and_bare_dates_are_not_timestamps():
    assert find_datetime("2 hours ago") is None
    assert find_datetime("WASHINGTON, Dec 5 (Reuters) - The U.S. said") is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Updated: 12/02/2025 02:05 PM EST", datetime(2025, 12, 2, 19, 5, tzinfo=UTC)),  # US zone: month first
        ("02/12/2025 14:05 GMT", datetime(2025, 12, 2, 14, 5, tzinfo=UTC)),  # elsewhere: day first
        ("3.12.2025 14:05 CET", datetime(2025, 12, 3, 13, 5, tzinfo=UTC)),  # dotted: always day first
        ("12/13/2025 2:05 PM ET", datetime(2025, 12, 13, 19, 5, tzinfo=UTC)),  # 13 cannot be a month
        ("13/12/2025 14:05 GMT", datetime(2025, 12, 13, 14, 5, tzinfo=UTC)),
        ("Published 2025-12-02T10:14:00+09:00", datetime(2025, 12, 2, 1, 14, tzinfo=UTC)),
    ],
)
def test_numeric_and_iso_dates_in_time_lines(line, expected):
    assert utc(line) == expected


def test_cjk_hours_of_duration_and_kanji_only_lines():
    assert find_datetime("2025年12月2日 3時間") is None  # "3 hours", not 3 o'clock
    found = find_datetime("2025年12月2日 15時30分")  # Japanese or Chinese: no zone can be told
    assert found is not None and found[0] == datetime(2025, 12, 2, 15, 30, tzinfo=UTC) and not found[1]
    assert find_datetime("v2025.12.02 build 15:30") is None
