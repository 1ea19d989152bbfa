"""The locker-wide wait after failed staff logins: nothing at first, then doubling, capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from locker.domain.login_delay import DelayPolicy, wait_after, with_failure

T0 = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
POLICY = DelayPolicy(
    free_failures=3,
    window=timedelta(minutes=15),
    first_delay=timedelta(seconds=2),
    max_delay=timedelta(seconds=30),
)


def failures(count: int, every: timedelta = timedelta(seconds=0)) -> tuple[datetime, ...]:
    kept: tuple[datetime, ...] = ()
    for n in range(count):
        kept = with_failure(kept, POLICY, T0 + n * every)
    return kept


@pytest.mark.parametrize(
    ("count", "seconds"),
    [(0, 0), (1, 0), (2, 0), (3, 2), (4, 4), (5, 8), (6, 16), (7, 30), (8, 30), (40, 30)],
)
def test_the_wait_is_nothing_for_the_first_failures_then_doubles_up_to_the_cap(count, seconds):
    assert wait_after(failures(count), POLICY, T0) == timedelta(seconds=seconds)


def test_the_wait_runs_from_the_last_failure_and_then_ends():
    kept = failures(7)
    assert wait_after(kept, POLICY, T0 + timedelta(seconds=10)) == timedelta(seconds=20)
    assert wait_after(kept, POLICY, T0 + timedelta(seconds=30)) == timedelta(0)
    assert wait_after(kept, POLICY, T0 + timedelta(hours=1)) == timedelta(0)


def test_failures_older_than_the_window_are_forgotten():
    kept = failures(5)
    later = T0 + timedelta(minutes=15)
    assert with_failure(kept, POLICY, later) == (later,)
    assert wait_after(with_failure(kept, POLICY, later), POLICY, later) == timedelta(0)


def test_the_record_keeps_a_bounded_number_of_failures():
    assert len(failures(500)) == POLICY.kept
    assert wait_after(failures(500), POLICY, T0) == POLICY.max_delay


def test_a_long_siege_never_overflows_the_doubling():
    huge = DelayPolicy(free_failures=0, kept=10_000)
    kept: tuple[datetime, ...] = ()
    for _ in range(2_000):
        kept = with_failure(kept, huge, T0)
    assert wait_after(kept, huge, T0) == huge.max_delay
