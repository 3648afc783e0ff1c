"""Retry timing: exponential backoff with jitter, and the HTTP Retry-After header."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# A server asking for more than a day is misconfigured; we still wait long, but not forever.
RETRY_AFTER_MAX = 86400.0


def backoff_delay(attempt: int, *, base: float, cap: float, rand: float) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...).

    "Equal jitter": the ceiling doubles per attempt up to `cap`, and the delay is drawn from the
    upper half of [0, ceiling] (`rand` in [0, 1]) so that retries of many feeds spread out while
    the wait still grows.
    """
    if attempt < 1:
        return 0.0
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 62))
    return ceiling / 2.0 + ceiling / 2.0 * min(max(rand, 0.0), 1.0)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP-date), None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return min(max((when - now).total_seconds(), 0.0), RETRY_AFTER_MAX)


def retry_delay(attempt: int, retry_after: float | None, *, base: float, cap: float, rand: float) -> float:
    """The wait before the next try: the backoff, but never shorter than what the server asked."""
    delay = backoff_delay(attempt, base=base, cap=cap, rand=rand)
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_MAX))
    return delay
