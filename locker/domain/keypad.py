"""The keypad's failure budget: a few wrong codes, then a lockout that grows each time."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class KeypadPolicy:
    """How many wrong codes in what window, and how long the lockouts last."""

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
class KeypadState:
    """Recent failures and lockouts of the keypad."""

    failures: tuple[datetime, ...] = field(default_factory=tuple)
    lockouts: int = 0
    locked_until: datetime | None = None
    last_failure: datetime | None = None

    def locked(self, now: datetime) -> bool:
        """True while a lockout is running."""
        return self.locked_until is not None and now < self.locked_until


def record_failure(state: KeypadState, policy: KeypadPolicy, now: datetime) -> KeypadState:
    """The state after one more wrong code; `locked_until` is set when it starts a lockout."""
    lockouts = state.lockouts
    if state.last_failure is not None and now - state.last_failure >= policy.forgive_after:
        lockouts = 0
    recent = (*(t for t in state.failures if now - t < policy.window), now)
    if len(recent) < policy.max_failures:
        return KeypadState(recent, lockouts, state.locked_until, now)
    lockouts += 1
    return KeypadState((), lockouts, now + policy.lockout_length(lockouts), now)


def record_success(state: KeypadState) -> KeypadState:
    """A right code clears the failures and the back-off."""
    return replace(state, failures=(), lockouts=0)
