"""Doors a carrier holds: a count of free doors of one size kept for its couriers, for a while.

A hold names no door. The doors stay `free` (decision 0004); a hold only keeps that many of the
free doors of its size from other carriers' couriers. When fewer doors of its size are free than
the holds of that size ask for, the older hold is served first and a hold keeps what there is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from locker.domain.models import Compartment, Size
from locker.domain.states import CompartmentState

MAX_HOLD_DOORS = 50
MAX_HOLD_TIME = timedelta(hours=24)
# The clock skew a signed command is allowed (CLOCK_SKEW_S in locker/wire/commands.py).
CLOCK_SKEW = timedelta(seconds=30)
MAX_HOLD_ID_CHARS = 64


class HoldEnd(StrEnum):
    """How a hold ended."""

    RELEASED = "released"
    EXPIRED = "expired"
    USED_UP = "used_up"


@dataclass(frozen=True)
class Hold:
    """One carrier's hold on `count` doors of one size, until `expires_at`."""

    hold_id: str
    carrier: str
    size: Size
    count: int
    expires_at: datetime
    created_at: datetime
    # Deposits by the carrier's couriers into doors of this size since the hold was placed.
    used: int = 0
    ended_at: datetime | None = None
    ended_how: HoldEnd | None = None

    @property
    def remaining(self) -> int:
        """Doors the hold still asks for."""
        return max(self.count - self.used, 0)

    def live(self, now: datetime) -> bool:
        """Not ended, not lapsed, and not used up."""
        return self.ended_how is None and self.expires_at > now and self.remaining > 0

    def state(self, now: datetime) -> str:
        """`active`, or how it ended: `released`, `expired` (recorded or not yet) or `used_up`."""
        if self.ended_how is not None:
            return self.ended_how.value
        if self.expires_at <= now:
            return HoldEnd.EXPIRED.value
        return "active" if self.remaining > 0 else HoldEnd.USED_UP.value

    def terms(self) -> tuple[str, Size, int, datetime]:
        """What the carrier asked for: a resent hold must ask for the same."""
        return (self.carrier, self.size, self.count, self.expires_at)


def free_counts(compartments: Iterable[Compartment]) -> dict[Size, int]:
    """Free doors of each size."""
    free = Counter(c.size for c in compartments if c.state is CompartmentState.FREE)
    return {size: free.get(size, 0) for size in Size}


def doors_held(holds: Iterable[Hold], free: Mapping[Size, int], now: datetime) -> dict[str, int]:
    """How many free doors each live hold keeps, by hold id: what it still asks for, as far as
    the free doors of its size go, the oldest hold first."""
    left = {size: free.get(size, 0) for size in Size}
    held: dict[str, int] = {}
    for hold in sorted(holds, key=lambda h: (h.created_at, h.hold_id)):
        if not hold.live(now):
            continue
        kept = min(hold.remaining, left[hold.size])
        left[hold.size] -= kept
        held[hold.hold_id] = kept
    return held


def held_by_size(holds: Iterable[Hold], free: Mapping[Size, int], now: datetime) -> dict[Size, int]:
    """Free doors of each size that holds keep."""
    listed = list(holds)
    held = doors_held(listed, free, now)
    by_size = dict.fromkeys(Size, 0)
    for hold in listed:
        by_size[hold.size] += held.get(hold.hold_id, 0)
    return by_size


def kept_from(
    carrier: str | None, holds: Iterable[Hold], free: Mapping[Size, int], now: datetime
) -> dict[Size, int]:
    """Free doors of each size that other carriers' holds keep from `carrier`'s couriers (from
    everyone, for None)."""
    listed = list(holds)
    held = doors_held(listed, free, now)
    kept = dict.fromkeys(Size, 0)
    for hold in listed:
        if hold.carrier != carrier:
            kept[hold.size] += held.get(hold.hold_id, 0)
    return kept
