"""A courier undoes a wrong deposit within the cancel window and takes the parcel back."""

from __future__ import annotations

from locker.domain.states import ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError
from locker.services.staff_doors import open_parcel_door, parcel_by_tracking


def cancel_deposit(ctx: LockerContext, courier_id: int, tracking: str) -> str:
    """Cancel the courier's own recent deposit; returns the door that is now open."""
    parcel = parcel_by_tracking(ctx, tracking)
    if parcel.courier_id != courier_id:
        raise NotAllowedError("only the courier who deposited a parcel can undo the deposit")
    if parcel.state is not ParcelState.DEPOSITED or parcel.deposited_at is None:
        raise NotAllowedError(f"parcel {parcel.tracking} is {parcel.state.value}, not deposited")
    minutes = int(ctx.rules.cancel_window.total_seconds() // 60)
    if ctx.clock.now() - parcel.deposited_at > ctx.rules.cancel_window:
        raise NotAllowedError(f"a deposit can only be undone within {minutes} minutes")
    label = open_parcel_door(ctx, parcel, "cancel", f"courier:{courier_id}")
    store = ctx.store
    with store.transaction():
        store.set_parcel_state(
            parcel.id, next_parcel_state(parcel.state, ParcelState.CANCELLED), ctx.clock.now()
        )
        store.cancel_notifications(parcel.id)
        store.append_audit(
            f"courier:{courier_id}",
            "parcel.cancelled",
            parcel.tracking,
            {"parcel_id": parcel.id, "compartment": label},
            ctx.clock.now(),
        )
    return label
