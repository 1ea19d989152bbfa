"""The keypad's failure budget (docs/decisions/0005-keypad-budget.md), on a hand-driven clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from locker.domain.failure_budget import (
    FailurePolicy,
    FailureRecord,
    record_failure,
    record_success,
)

POLICY = FailurePolicy()
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _fail_at(state: FailureRecord, times: Iterable[datetime]) -> FailureRecord:
    for now in times:
        state = record_failure(state, POLICY, now)
    return state


def _burst(start: datetime, count: int = 5) -> list[datetime]:
    """`count` wrong codes one second apart."""
    return [start + i * SECOND for i in range(count)]


def _lock_out(state: FailureRecord, start: datetime) -> FailureRecord:
    """Five quick failures; the keypad must end locked."""
    state = _fail_at(state, _burst(start))
    assert state.locked_until is not None
    return state


def test_the_policy_matches_the_decision() -> None:
    assert POLICY.max_failures == 5
    assert POLICY.window == timedelta(minutes=10)
    assert POLICY.first_lockout == timedelta(seconds=30)
    assert POLICY.max_lockout == timedelta(minutes=15)
    assert POLICY.forgive_after == timedelta(hours=1)


def test_four_failures_do_not_lock() -> None:
    state = _fail_at(FailureRecord(), _burst(T0, 4))
    assert len(state.failures) == 4
    assert state.locked_until is None
    assert not state.locked(T0 + 4 * SECOND)


def test_the_fifth_failure_locks_for_30_seconds() -> None:
    state = _fail_at(FailureRecord(), _burst(T0))
    fifth = T0 + 4 * SECOND
    assert state.lockouts == 1
    assert state.locked_until == fifth + timedelta(seconds=30)
    assert state.failures == ()


@pytest.mark.parametrize(
    ("after_fifth", "locked"),
    [(timedelta(0), True), (timedelta(seconds=29), True), (timedelta(seconds=30), False)],
)
def test_a_lockout_ends_exactly_when_it_says(after_fifth: timedelta, locked: bool) -> None:
    state = _fail_at(FailureRecord(), _burst(T0))
    assert state.locked(T0 + 4 * SECOND + after_fifth) is locked


@pytest.mark.parametrize(
    ("lockouts", "length"),
    [
        (0, timedelta(seconds=30)),
        (1, timedelta(seconds=30)),
        (2, timedelta(minutes=1)),
        (3, timedelta(minutes=2)),
        (4, timedelta(minutes=4)),
        (5, timedelta(minutes=8)),
        (6, timedelta(minutes=15)),
        (7, timedelta(minutes=15)),
        (42, timedelta(minutes=15)),
    ],
)
def test_lockout_length_doubles_and_is_capped(lockouts: int, length: timedelta) -> None:
    assert POLICY.lockout_length(lockouts) == length


def test_a_siege_of_lockouts_stays_capped_at_max_lockout() -> None:
    # Five wrong codes each time a lockout ends: about eleven hours of them, never forgiven.
    state, now = FailureRecord(), T0
    for _ in range(50):
        state = _lock_out(state, now)
        assert state.locked_until is not None
        assert state.locked_until - (now + 4 * SECOND) <= POLICY.max_lockout
        now = state.locked_until


def test_lockouts_in_a_row_double_up_to_max_lockout() -> None:
    state, now, lengths = FailureRecord(), T0, []
    for _ in range(8):
        state = _lock_out(state, now)
        assert state.locked_until is not None
        lengths.append(state.locked_until - (now + 4 * SECOND))
        now = state.locked_until  # try again the moment the lockout ends
    assert lengths == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(minutes=15),
        timedelta(minutes=15),
        timedelta(minutes=15),
    ]


@pytest.mark.parametrize(
    ("gap", "locked"),
    [
        (timedelta(minutes=10) - SECOND, True),  # the first four still count
        (timedelta(minutes=10), False),  # they are exactly one window old: they no longer count
        (timedelta(hours=2), False),
    ],
)
def test_failures_older_than_the_window_do_not_count(gap: timedelta, locked: bool) -> None:
    state = _fail_at(FailureRecord(), [T0] * 4)
    state = record_failure(state, POLICY, T0 + gap)
    assert (state.locked_until is not None) is locked


def test_failures_spread_over_more_than_the_window_never_lock() -> None:
    every_three_minutes = [T0 + i * timedelta(minutes=3) for i in range(20)]
    state = FailureRecord()
    for now in every_three_minutes:
        state = record_failure(state, POLICY, now)
        assert not state.locked(now)
    assert len(state.failures) == 4  # 0, 3, 6 and 9 minutes back


def test_a_right_code_clears_the_failures() -> None:
    state = record_success(_fail_at(FailureRecord(), _burst(T0, 4)))
    assert state.failures == ()
    state = _fail_at(state, _burst(T0 + 10 * SECOND, 4))
    assert state.locked_until is None


def test_a_right_code_restarts_the_back_off() -> None:
    state = _lock_out(FailureRecord(), T0)
    state = _lock_out(state, T0 + timedelta(minutes=1))
    assert state.lockouts == 2
    state = record_success(state)
    assert state.lockouts == 0
    start = T0 + timedelta(minutes=5)
    state = _lock_out(state, start)
    assert state.locked_until == start + 4 * SECOND + timedelta(seconds=30)


@pytest.mark.parametrize(
    ("quiet", "next_lockout"),
    [
        (timedelta(hours=1) - SECOND, timedelta(minutes=2)),  # third in a row: 30 s * 2**2
        (timedelta(hours=1), timedelta(seconds=30)),  # forgiven: back to the first lockout
        (timedelta(days=3), timedelta(seconds=30)),
    ],
)
def test_an_hour_without_failures_forgives_earlier_lockouts(
    quiet: timedelta, next_lockout: timedelta
) -> None:
    state = _lock_out(FailureRecord(), T0)
    state = _lock_out(state, T0 + timedelta(minutes=1))
    assert state.lockouts == 2 and state.last_failure is not None
    start = state.last_failure + quiet
    state = _lock_out(state, start)
    assert state.locked_until == start + 4 * SECOND + next_lockout


def test_a_failure_is_remembered_as_the_last_failure() -> None:
    state = record_failure(FailureRecord(), POLICY, T0)
    assert state.last_failure == T0
    assert state.failures == (T0,)


def test_a_fresh_keypad_is_not_locked() -> None:
    assert not FailureRecord().locked(T0)


def test_a_custom_policy_is_honoured() -> None:
    strict = FailurePolicy(max_failures=2, first_lockout=timedelta(seconds=5))
    state = record_failure(FailureRecord(), strict, T0)
    assert state.locked_until is None
    state = record_failure(state, strict, T0 + SECOND)
    assert state.locked_until == T0 + SECOND + timedelta(seconds=5)
