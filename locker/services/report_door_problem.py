"""A courier says the door that was just unlocked for a deposit did not open after all."""

from __future__ import annotations

from locker.domain.models import Parcel
from locker.domain.states import CompartmentState, ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment
from locker.services.errors import NotAllowedError, ServiceRefusal
from locker.services.outbox import tell_withdrawn
from locker.services.staff_doors import parcel_by_tracking


def door_problem_refusal(
    ctx: LockerContext, parcel: Parcel, courier_id: int
) -> NotAllowedError | None:
    """Why "the door didn't open" cannot be believed for this deposit now, or None if it can."""
    if parcel.courier_id != courier_id or parcel.state is not ParcelState.DEPOSITED:
        return NotAllowedError(
            "only the courier's own, just-deposited parcel can be withdrawn",
            code=ServiceRefusal.DOOR_PROBLEM_NOT_OWN,
        )
    if (
        parcel.deposited_at is None
        or ctx.clock.now() - parcel.deposited_at > ctx.rules.cancel_window
    ):
        return NotAllowedError(
            "this deposit is too old to withdraw here: ask an admin",
            code=ServiceRefusal.DOOR_PROBLEM_TOO_OLD,
        )
    label = parcel.compartment or ""
    compartment = ctx.store.compartment(label)
    unlocked = ctx.store.last_door_operation(label)
    since = unlocked.started_at if unlocked is not None else parcel.deposited_at
    seen_open = compartment.door_opened_at is not None and compartment.door_opened_at >= since
    if (
        compartment.state is not CompartmentState.OPEN
        or seen_open
        or parcel.undo_requested_at is not None
    ):
        return NotAllowedError(
            f"the board saw door {label} open, so the parcel may be inside: "
            "use undo to take it back",
            code=ServiceRefusal.DOOR_PROBLEM_SEEN_OPEN,
            door=label,
        )
    return None


def report_door_not_opened(ctx: LockerContext, courier_id: int, tracking: str) -> str:
    """Withdraw the deposit and flag its door for repair; returns the door's label.

    The board confirmed the unlock but the courier could not open the door (a jammed latch,
    a bent door): the parcel never went in, so it is cancelled, and the door is not given to
    anyone else until an admin has looked at it. Only believed while the board has never
    reported the door open and it has not been shut since: otherwise the parcel may well be
    inside, and the way back is the undo, which waits for the door to shut on an empty box.
    """
    store = ctx.store
    with store.transaction():
        courier = store.courier(courier_id)
        parcel = parcel_by_tracking(ctx, tracking, courier.carrier if courier else None)
        refusal = door_problem_refusal(ctx, parcel, courier_id)
        if refusal is not None:
            raise refusal
        label = parcel.compartment or ""
        now = ctx.clock.now()
        store.set_parcel_state(
            parcel.id, next_parcel_state(parcel.state, ParcelState.CANCELLED), now
        )
        store.cancel_notifications(parcel.id)
        tell_withdrawn(ctx, parcel)
        move_compartment(ctx, label, CompartmentState.FAULT)
        store.append_audit(
            f"courier:{courier_id}",
            "door.reported_not_opening",
            label,
            {"parcel_id": parcel.id, "tracking": parcel.tracking, "carrier": parcel.carrier},
            now,
        )
    return label
