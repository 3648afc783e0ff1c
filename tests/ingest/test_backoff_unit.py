"""Backoff with jitter and Retry-After (hypothesis for the schedule's invariants)."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from streams.ingest.backoff import RETRY_AFTER_MAX, backoff_delay, parse_retry_after, retry_delay

bases = st.floats(0.01, 60)
caps = st.floats(0.01, 7200)
rands = st.floats(0, 1)


@given(st.integers(1, 200), bases, caps, rands)
def test_delay_is_positive_and_never_above_the_cap(attempt, base, cap, rand):
    delay = backoff_delay(attempt, base=base, cap=cap, rand=rand)
    assert 0 < delay <= cap + 1e-9
    # equal jitter: at least half the ceiling, so waits really grow
    assert delay >= min(cap, base * 2 ** (attempt - 1)) / 2 - 1e-9


@given(st.integers(1, 60), bases, caps)
def test_the_ceiling_never_shrinks_as_attempts_grow(attempt, base, cap):
    assert backoff_delay(attempt + 1, base=base, cap=cap, rand=1.0) >= backoff_delay(attempt, base=base, cap=cap, rand=1.0)


@given(st.integers(1, 30), bases, caps, rands, rands)
def test_jitter_spreads_retries_over_half_the_ceiling(attempt, base, cap, r1, r2):
    low, high = sorted((r1, r2))
    assert backoff_delay(attempt, base=base, cap=cap, rand=low) <= backoff_delay(attempt, base=base, cap=cap, rand=high)
    ceiling = min(cap, base * 2 ** (attempt - 1))
    spread = backoff_delay(attempt, base=base, cap=cap, rand=1.0) - backoff_delay(attempt, base=base, cap=cap, rand=0.0)
    assert abs(spread - ceiling / 2) <= 1e-9 * max(1.0, ceiling)


@given(st.integers(1, 30), bases, caps, rands, st.floats(0, RETRY_AFTER_MAX))
def test_retry_after_is_always_honoured(attempt, base, cap, rand, retry_after):
    assert retry_delay(attempt, retry_after, base=base, cap=cap, rand=rand) >= retry_after


def test_retry_after_forms():
    now = datetime(2025, 12, 6, 3, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0
    assert parse_retry_after("999999999") == RETRY_AFTER_MAX
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None and parse_retry_after("") is None


def test_attempt_zero_waits_nothing():
    assert backoff_delay(0, base=1, cap=10, rand=0.5) == 0
