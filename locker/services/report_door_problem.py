"""A courier says the door that was just unlocked for a deposit did not open after all."""

from __future__ import annotations

from locker.domain.states import CompartmentState, ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment
from locker.services.errors import NotAllowedError
from locker.services.staff_doors import parcel_by_tracking


def report_door_not_opened(ctx: LockerContext, courier_id: int, tracking: str) -> str:
    """Withdraw the deposit and flag its door for repair; returns the door's label.

    The board confirmed the unlock but the courier could not open the door (a jammed latch,
    a bent door): the parcel never went in, so it is cancelled, and the door is not given to
    anyone else until an admin has looked at it.
    """
    parcel = parcel_by_tracking(ctx, tracking)
    if parcel.courier_id != courier_id or parcel.state is not ParcelState.DEPOSITED:
        raise NotAllowedError("only the courier's own, just-deposited parcel can be withdrawn")
    if (
        parcel.deposited_at is None
        or ctx.clock.now() - parcel.deposited_at > ctx.rules.cancel_window
    ):
        raise NotAllowedError("this deposit is too old to withdraw here: ask an admin")
    label = parcel.compartment or ""
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        store.set_parcel_state(
            parcel.id, next_parcel_state(parcel.state, ParcelState.CANCELLED), now
        )
        store.cancel_notifications(parcel.id)
        if store.compartment(label).state is not CompartmentState.FAULT:
            move_compartment(ctx, label, CompartmentState.FAULT)
        store.append_audit(
            f"courier:{courier_id}",
            "door.reported_not_opening",
            label,
            {"parcel_id": parcel.id, "tracking": parcel.tracking},
            now,
        )
    return label
