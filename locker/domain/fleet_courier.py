"""A fleet courier's account as the centre's admin granted it to this locker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FleetCourier:
    """One fleet courier at this locker, from one revision of their grant on."""

    id: int
    carrier: str
    name: str
    pin_hash: str
    # The hash of the current badge's nonce and when it was issued; None when the grant
    # carries no badge, so the badge the locker holds (perhaps one it issued) stays.
    badge_hash: str | None
    badge_issued_at: datetime | None
    active: bool
    revision: int
