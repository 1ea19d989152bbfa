"""A courier undoes a wrong deposit within the cancel window and takes the parcel back.

The undo is asked for here and settled when the door shuts again (`door_closed`): the parcel
is cancelled only once its door is shut and, where an item sensor is fitted, it reads empty.
Until then the parcel stays deposited, so an undo that is never finished loses nothing.
"""

from __future__ import annotations

from datetime import datetime

from locker.domain.models import Parcel
from locker.domain.states import ParcelState
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, ServiceRefusal
from locker.services.staff_doors import open_parcel_door, parcel_by_tracking


def undo_deadline(ctx: LockerContext, parcel: Parcel) -> datetime | None:
    """Until when the courier may undo this deposit; None for a parcel never deposited."""
    if parcel.deposited_at is None:
        return None
    return parcel.deposited_at + ctx.rules.cancel_window


def cancel_deposit(ctx: LockerContext, courier_id: int, tracking: str) -> str:
    """Ask to undo the courier's own recent deposit; returns the door, which is now open."""
    courier = ctx.store.courier(courier_id)
    parcel = parcel_by_tracking(ctx, tracking, courier.carrier if courier else None)
    actor = f"courier:{courier_id}"

    def may_undo(current: Parcel) -> None:
        if current.courier_id != courier_id:
            raise NotAllowedError(
                "only the courier who deposited a parcel can undo the deposit",
                code=ServiceRefusal.UNDO_NOT_OWN,
            )
        if current.state is not ParcelState.DEPOSITED or current.deposited_at is None:
            raise NotAllowedError(
                f"parcel {current.tracking} is {current.state.value}, not deposited",
                code=ServiceRefusal.UNDO_NOT_DEPOSITED,
                tracking=current.tracking,
                state=current.state.value,
            )
        minutes = int(ctx.rules.cancel_window.total_seconds() // 60)
        deadline = undo_deadline(ctx, current)
        if deadline is None or ctx.clock.now() > deadline:
            raise NotAllowedError(
                f"a deposit can only be undone within {minutes} minutes",
                code=ServiceRefusal.UNDO_WINDOW,
                minutes=minutes,
            )

    def requested() -> None:
        current = ctx.store.parcel(parcel.id)
        if current is None or current.undo_requested_at is not None:
            return  # asked already: the door stands open for it
        now = ctx.clock.now()
        ctx.store.set_undo_requested(parcel.id, now)
        ctx.store.append_audit(
            actor,
            "parcel.undo_requested",
            parcel.tracking,
            {
                "parcel_id": parcel.id,
                "compartment": parcel.compartment,
                "carrier": parcel.carrier,
            },
            now,
        )

    return open_parcel_door(ctx, parcel, "cancel", actor, may_undo, requested)
