"""A courier's own deposits that can still be undone, for the menu: they outlive the page.

The door-open page is the first way to undo a deposit, but a reload after the idle return, a
back tap or a new login loses it; the menu lists the same deposits from the store for as long
as the cancel window runs, under the same rule as the undo itself (`cancel_deposit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from locker.domain.phone import mask_phone
from locker.domain.states import ParcelState
from locker.services.cancel_deposit import undo_deadline
from locker.services.context import LockerContext


@dataclass(frozen=True)
class RecentDeposit:
    """One deposit the courier may still undo; the phone only masked."""

    tracking: str
    door: str
    masked_phone: str
    deposited_at: datetime
    undo_until: datetime
    # The courier asked already: the door stands open, and the undo waits for it to shut.
    undo_asked: bool


def recent_deposits(ctx: LockerContext, courier_id: int) -> list[RecentDeposit]:
    """The courier's deposits still inside the cancel window, newest first."""
    now = ctx.clock.now()
    found = []
    # Deposited parcels fill compartments, so there are never more than the locker has doors.
    for parcel in ctx.store.parcels(frozenset({ParcelState.DEPOSITED})):
        deadline = undo_deadline(ctx, parcel)
        if parcel.courier_id != courier_id or deadline is None or now > deadline:
            continue
        assert parcel.deposited_at is not None
        found.append(
            RecentDeposit(
                tracking=parcel.tracking,
                door=parcel.compartment or "",
                masked_phone=mask_phone(parcel.recipient_phone),
                deposited_at=parcel.deposited_at,
                undo_until=deadline,
                undo_asked=parcel.undo_requested_at is not None,
            )
        )
    return sorted(found, key=lambda d: d.deposited_at, reverse=True)
