"""Timestamps as wires write them, to timezone-aware UTC datetimes.

Handles ISO 8601 (extended and basic, offsets as ``Z``, ``+01:00`` or ``+0100``), date-only
forms, and textual time lines such as ``11:48 JST, December 6, 2025`` or
``Dec. 5, 2025 3:04 p.m. EST``. Abbreviations come from ``data/timezones.yaml``, where generic
names (``9:41 a.m. ET``) carry a standard and a daylight offset and the daylight-saving rule that
picks one for the date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

from .resources import load

_ISO = re.compile(
    r"^\s*(?P<y>\d{4})-?(?P<mo>\d{2})-?(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):?(?P<mi>\d{2})(?::?(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH_RE = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_CLOCK_RE = r"(?P<hour>\d{1,2})[:.h](?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
_DATE_MDY = rf"{_MONTH_RE}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
_DATE_DMY = rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+{_MONTH_RE},?\s+(?P<year>\d{{4}})"
_DATE_ISO = r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
# Year first: "2025/12/02", and "2025.12.02" as Korean and Chinese pages write it.
_DATE_SLASH = r"(?P<sy>\d{4})(?P<ssep>[/.])(?P<sm>\d{1,2})(?P=ssep)(?P<sd>\d{1,2})"
# "02.12.2025" (day first) and "12/02/2025" (month first next to a zone in month_first_zones,
# else day first); a number above 12 settles it either way.
_DATE_NUMERIC = r"(?<![\d./])(?P<n1>\d{1,2})(?P<nsep>[./])(?P<n2>\d{1,2})(?P=nsep)(?P<ny>\d{4})(?![\d./]\d)"
# Japanese, Korean and Chinese dates ("2025年12月2日", "2025년 12월 2일"), a weekday in brackets
# after them ("（火）", "(화)"), and their clocks: "15時30分", "오후 3시", "下午3时30分", "15:30".
# 時間/时间/시간 after a number are hours of duration, not a clock.
_DATE_CJK = r"(?P<cy>\d{4})\s*[年년]\s*(?P<cm>\d{1,2})\s*[月월]\s*(?P<cd>\d{1,2})\s*[日일](?:\s*[(（][^)）]{1,3}[)）])?"
_CLOCK_CJK = (
    r"(?P<campm>午前|午後|上午|下午|오전|오후)?\s*(?P<chour>\d{1,2})\s*"
    r"(?:[時时시](?![間间간])\s*(?:(?P<cmin>\d{1,2})\s*[分분])?|:(?P<cmin2>\d{2}))"
)
_CJK_PM = frozenset({"午後", "下午", "오후"})
_KANA = re.compile(r"[\u3040-\u30ff]")
# Every time line has a clock ("11:48", "07.00", "9h05", "15時"): lines without one skip the patterns.
_CLOCK_HINT = re.compile(r"\d[:.h]\d\d|\d\s*[時时시](?![間间간])")
# An optional weekday before a date: "Tuesday, ", "Tue ", "Tue. "
_WEEKDAY = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"


@cache
def abbreviations() -> dict[str, timezone]:
    data = load("timezones")
    out = {}
    for abbr, offset in data["abbreviations"].items():
        tz = parse_offset(str(offset))
        if tz is None:
            raise ValueError(f"timezones.yaml: bad offset {offset!r} for {abbr}")
        out[str(abbr).upper()] = tz
    return out


@cache
def generic_zones() -> dict[str, tuple[timezone, timezone, str]]:
    """Generic zone names ("ET"): (standard, daylight, rule) by upper-case name."""
    out = {}
    for name, spec in (load("timezones").get("generic") or {}).items():
        std, dst = parse_offset(str(spec["standard"])), parse_offset(str(spec["daylight"]))
        if std is None or dst is None or spec.get("rule") not in _DST_RULES:
            raise ValueError(f"timezones.yaml: bad generic zone {name!r}")
        out[str(name).upper()] = (std, dst, str(spec["rule"]))
    return out


def _nth_sunday(year: int, month: int, n: int) -> date:
    """The n-th Sunday of a month (n = -1: the last)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + month // 12, month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _us_daylight(local: datetime, std: timezone) -> bool:
    # Second Sunday of March 02:00 to first Sunday of November 02:00, local time.
    start = datetime.combine(_nth_sunday(local.year, 3, 2), time(2))
    end = datetime.combine(_nth_sunday(local.year, 11, 1), time(2))
    return start <= local < end


def _eu_daylight(local: datetime, std: timezone) -> bool:
    # Last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    utc = local - std.utcoffset(None)
    start = datetime.combine(_nth_sunday(local.year, 3, -1), time(1))
    end = datetime.combine(_nth_sunday(local.year, 10, -1), time(1))
    return start <= utc < end


_DST_RULES = {"us": _us_daylight, "eu": _eu_daylight}


def zone_at(name: str, local: datetime) -> timezone | None:
    """The offset a zone name means at a local (naive) time: generic names by their rule."""
    spec = generic_zones().get(name.strip().upper().replace(" ", ""))
    if spec is None:
        return zone(name)
    std, dst, rule = spec
    return dst if _DST_RULES[rule](local, std) else std


@cache
def _zone_re() -> str:
    names = sorted({*abbreviations(), *generic_zones()}, key=len, reverse=True)
    return r"(?P<zone>(?:UTC|GMT)\s?[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|" + "|".join(map(re.escape, names)) + r")\b"


def parse_offset(text: str) -> timezone | None:
    text = text.strip()
    if text.upper() == "Z":
        return UTC
    m = _OFFSET.match(text)
    if not m:
        return None
    minutes = int(m["h"]) * 60 + int(m["m"] or 0)
    if minutes > 18 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if m["sign"] == "-" else minutes))


def zone(text: str) -> timezone | None:
    """An abbreviation (``JST``) or offset (``+0900``, ``GMT+9``) as a fixed timezone."""
    t = text.strip().upper().replace(" ", "")
    if t in abbreviations():
        return abbreviations()[t]
    for prefix in ("UTC", "GMT"):
        if t.startswith(prefix) and len(t) > len(prefix):
            rest = t[len(prefix) :]
            if re.fullmatch(r"[+-]\d{1,2}", rest):
                rest = f"{rest[0]}{int(rest[1:]):02d}00"
            return parse_offset(rest)
    return parse_offset(t)


def parse_iso(value: str | None, *, warnings: list[str] | None = None) -> datetime | None:
    """ISO 8601 (extended or basic) to UTC; a missing zone is taken as UTC with a warning."""
    if not value:
        return None
    m = _ISO.match(value)
    if not m:
        if warnings is not None:
            warnings.append(f"unparseable timestamp {value.strip()[:40]!r}")
        return None
    try:
        frac = (m["f"] or "0")[:6].ljust(6, "0")
        dt = datetime(
            int(m["y"]), int(m["mo"]), int(m["d"]),
            int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0), int(frac),
        )
    except ValueError:
        if warnings is not None:
            warnings.append(f"invalid timestamp {value.strip()[:40]!r}")
        return None
    tz = parse_offset(m["tz"]) if m["tz"] else None
    if tz is None:
        if m["tz"] and warnings is not None:
            warnings.append(f"bad offset in timestamp {value.strip()[:40]!r}; assumed UTC")
        elif warnings is not None:
            warnings.append(f"timestamp {value.strip()[:40]!r} has no timezone; assumed UTC")
        tz = UTC
    return dt.replace(tzinfo=tz).astimezone(UTC)


@cache
def _time_line_patterns() -> tuple[re.Pattern[str], ...]:
    z = _zone_re()
    dates = (_DATE_MDY, _DATE_DMY, _DATE_ISO, _DATE_SLASH, _DATE_NUMERIC)
    pats = []
    for d in dates:
        # "11:48 JST, December 6, 2025"   /   "December 6, 2025 11:48 AM EST"   /   "19:05 (JST) Dec 2, 2025"
        pats.append(rf"{_CLOCK_RE}\s*(?:\(?{z}(?:\s+time)?\)?)?\s*(?:,|on|\||·|•|-|–|—)?\s*{_WEEKDAY}{d}")
        pats.append(rf"{_WEEKDAY}{d}(?:T|\s*(?:,|at|\||-|–|—|/|·|•)?\s*){_CLOCK_RE}\s*(?:\(?{z}(?:\s+time)?\)?)?")
    pats.append(rf"{_DATE_CJK}\s*,?\s*{_CLOCK_CJK}(?:\s*[(（]?\s*{z}\s*[)）]?)?")
    return tuple(re.compile(p, re.IGNORECASE) for p in pats)


def find_all_datetimes(text: str) -> list[tuple[datetime, bool, re.Match[str]]]:
    """Every date-and-time written in a line, in order ("Published: … | Updated: …")."""
    found: list[tuple[datetime, bool, re.Match[str]]] = []
    clocks = len(_CLOCK_HINT.findall(text))
    if clocks <= 1:
        one = find_datetime(text) if clocks else None
        return [one] if one else found
    for pat in _time_line_patterns():
        for m in pat.finditer(text):
            if any(m.start() < o.end() and o.start() < m.end() for _, _, o in found):
                continue
            dt = _from_match(m)
            if dt is not None:
                found.append((dt[0], dt[1], m))
    return sorted(found, key=lambda f: f[2].start())


def find_datetime(text: str) -> tuple[datetime, bool, re.Match[str]] | None:
    """The first date-and-time written in a line of text.

    Returns (UTC datetime, whether a zone was given, the match). Without a zone the time is taken
    as UTC. A line with a date but no clock time yields nothing (a dateline's "Dec 5" is not a
    timestamp).
    """
    if not _CLOCK_HINT.search(text):
        return None
    for pat in _time_line_patterns():
        m = pat.search(text)
        if m is None:
            continue
        dt = _from_match(m)
        if dt is not None:
            return dt[0], dt[1], m
    return None


@cache
def _month_first_zones() -> frozenset[str]:
    return frozenset(str(z).upper() for z in load("timezones").get("month_first_zones") or ())


def _numeric_date(n1: int, n2: int, year: int, sep: str, zone_name: str | None) -> date:
    if n1 > 12:
        return date(year, n2, n1)
    if n2 > 12:
        return date(year, n1, n2)
    month_first = sep == "/" and (zone_name or "").strip().upper() in _month_first_zones()
    return date(year, n1, n2) if month_first else date(year, n2, n1)


def _from_match(m: re.Match[str]) -> tuple[datetime, bool] | None:
    g = m.groupdict()
    local = _cjk_local(g) if g.get("cy") else _local_time(g)
    if local is None:
        return None
    if g.get("zone"):
        tz = zone_at(g["zone"], local)
    else:
        tz = _cjk_implied_zone(m) if g.get("cy") else None
    return local.replace(tzinfo=tz or UTC).astimezone(UTC), tz is not None


def _local_time(g: dict[str, Any]) -> datetime | None:
    """The written date and clock of a line in Latin script, as a naive datetime."""
    try:
        if g.get("year"):
            month = _MONTHS[g["month"].lower().rstrip(".")]
            day_date = date(int(g["year"]), month, int(g["day"]))
        elif g.get("iy"):
            day_date = date(int(g["iy"]), int(g["im"]), int(g["id"]))
        elif g.get("ny"):
            day_date = _numeric_date(int(g["n1"]), int(g["n2"]), int(g["ny"]), g["nsep"], g.get("zone"))
        else:
            day_date = date(int(g["sy"]), int(g["sm"]), int(g["sd"]))
        hour, minute = int(g["hour"]), int(g["minute"])
        ampm = (g.get("ampm") or "").replace(".", "").replace(" ", "").lower()
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        clock = time(hour, minute, int(g.get("second") or 0))
    except (ValueError, KeyError):
        return None
    return datetime.combine(day_date, clock)


def _cjk_local(g: dict[str, Any]) -> datetime | None:
    """The written date and clock of a Japanese, Korean or Chinese time line (naive)."""
    try:
        day_date = date(int(g["cy"] or 0), int(g["cm"] or 0), int(g["cd"] or 0))
        hour, minute = int(g["chour"] or 0), int(g["cmin"] or g["cmin2"] or 0)
        if g.get("campm"):
            if not 0 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if g["campm"] in _CJK_PM else 0)
        clock = time(hour, minute)
    except ValueError:
        return None
    return datetime.combine(day_date, clock)


def _cjk_implied_zone(m: re.Match[str]) -> timezone | None:
    """A time line in Korean is Korea's time and one in Japanese (kana in the line) Japan's: each
    country has one zone. Chinese (Beijing, Taipei, Hong Kong: all +08:00) is told by its
    simplified clock or half-day words; kanji alone could be Japanese or Chinese: no zone."""
    written = m.group(0)
    if "년" in written:
        return abbreviations().get("KST")
    if _KANA.search(m.string):
        return abbreviations().get("JST")
    if "时" in written or m.group("campm") in ("上午", "下午"):
        return timezone(timedelta(hours=8))
    return None
