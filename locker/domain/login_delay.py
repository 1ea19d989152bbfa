"""The locker-wide wait after failed staff logins: a growing delay, never a lockout.

Each account has its own failure budget; this one counts the failures of every staff login,
whoever they claimed to be, so that one stranger trying many ids is slowed down too. The
first few failures cost nothing; after that each failure makes the next login wait twice as
long, up to a short cap. The wait runs from the last failure, so a courier who arrives after
a stranger waits at most the cap, whatever the stranger did before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DelayPolicy:
    """How many failures are free, over what window, and how the wait grows."""

    free_failures: int = 10
    window: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(seconds=30)
    # Only the newest failures are kept: enough to reach the cap, never an unbounded list.
    kept: int = 64

    def delay(self, failures: int) -> timedelta:
        """The wait after this many recent failures: none, then doubling, capped."""
        if failures < self.free_failures:
            return timedelta(0)
        doublings = failures - self.free_failures
        # Compare before multiplying: a long siege would overflow timedelta otherwise.
        if self.first_delay * (1 << min(doublings, 32)) >= self.max_delay:
            return self.max_delay
        return self.first_delay * (1 << doublings)


def recent(failures: tuple[datetime, ...], policy: DelayPolicy, now: datetime) -> list[datetime]:
    """The failures still inside the window."""
    return [t for t in failures if now - t < policy.window]


def with_failure(
    failures: tuple[datetime, ...], policy: DelayPolicy, now: datetime
) -> tuple[datetime, ...]:
    """The failures to keep after one more at `now`."""
    return (*recent(failures, policy, now), now)[-policy.kept :]


def wait_after(failures: tuple[datetime, ...], policy: DelayPolicy, now: datetime) -> timedelta:
    """How long a staff login must still wait at `now` (zero when it may go ahead)."""
    kept = recent(failures, policy, now)
    if not kept:
        return timedelta(0)
    return max(max(kept) + policy.delay(len(kept)) - now, timedelta(0))
