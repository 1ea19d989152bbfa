"""Failure budgets: a few wrong codes, PINs or passwords, then a lockout that grows each time.

One budget guards the recipients' keypad; each courier and admin account has its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FailurePolicy:
    """How many failures in what window, and how long the lockouts last."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=10)
    first_lockout: timedelta = timedelta(seconds=30)
    max_lockout: timedelta = timedelta(minutes=15)
    # After this long with no failure, the back-off starts again from the first lockout.
    forgive_after: timedelta = timedelta(hours=1)

    def lockout_length(self, lockouts: int) -> timedelta:
        """Length of the n-th lockout in a row (1-based): doubling, capped."""
        doublings = max(lockouts - 1, 0)
        # Compare before multiplying: a long siege would overflow timedelta otherwise.
        if self.first_lockout * (1 << min(doublings, 32)) >= self.max_lockout:
            return self.max_lockout
        return self.first_lockout * (1 << doublings)


@dataclass(frozen=True)
class FailureRecord:
    """Recent failures and lockouts of one budget."""

    failures: tuple[datetime, ...] = field(default_factory=tuple)
    lockouts: int = 0
    locked_until: datetime | None = None
    last_failure: datetime | None = None

    def locked(self, now: datetime) -> bool:
        """True while a lockout is running."""
        return self.locked_until is not None and now < self.locked_until


def record_failure(state: FailureRecord, policy: FailurePolicy, now: datetime) -> FailureRecord:
    """The record after one more failure; `locked_until` moves when it starts a lockout."""
    lockouts = state.lockouts
    if state.last_failure is not None and now - state.last_failure >= policy.forgive_after:
        lockouts = 0
    recent = (*(t for t in state.failures if now - t < policy.window), now)
    if len(recent) < policy.max_failures:
        return FailureRecord(recent, lockouts, state.locked_until, now)
    lockouts += 1
    return FailureRecord((), lockouts, now + policy.lockout_length(lockouts), now)


def record_success(state: FailureRecord) -> FailureRecord:
    """A success clears the failures and the back-off."""
    return replace(state, failures=(), lockouts=0)
