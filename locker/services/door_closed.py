"""A door was closed: the compartment holds a parcel or stands empty, as the records say."""

from __future__ import annotations

from locker.domain.carrier_events import DEPOSITED
from locker.domain.models import Parcel
from locker.domain.states import CompartmentState, ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment
from locker.services.outbox import queue_carrier_event, tell_withdrawn


def _shut_in(ctx: LockerContext, parcel: Parcel, label: str) -> None:
    """The door shut on a deposited parcel: the first time, its recipient may be told now, and
    its carrier; inside the caller's transaction."""
    store = ctx.store
    store.release_held_messages(parcel.id)
    if parcel.shut_in_at is not None:
        return
    now = ctx.clock.now()
    store.set_shut_in(parcel.id, now)
    record = store.append_audit(
        "system",
        "parcel.shut_in",
        parcel.tracking,
        {"parcel_id": parcel.id, "compartment": label, "carrier": parcel.carrier},
        now,
    )
    queue_carrier_event(ctx, parcel, DEPOSITED, record)


def door_closed(
    ctx: LockerContext, label: str, item_present: bool | None = None
) -> CompartmentState:
    """Settle an open compartment after its door shut, as the records say.

    A deposit the courier asked to undo is undone now, unless the item sensor says the parcel
    is still inside. An item sensor that disagrees with the records is reported as a sensor
    fault for an admin to check. A sensor that misses a recorded parcel does not take the door
    out of use: a broken sensor must not stop a recipient's legitimate unlock. A sensor that
    sees an item no record explains keeps the door from the next courier (decision 0006).
    """
    store = ctx.store
    with store.transaction():
        state = store.compartment(label).state
        parcel = store.parcel_in(label)
        if state is CompartmentState.OPEN and parcel and parcel.undo_requested_at is not None:
            now = ctx.clock.now()
            if item_present:
                store.set_undo_requested(parcel.id, None)
                store.append_audit(
                    f"courier:{parcel.courier_id}",
                    "parcel.undo_refused",
                    parcel.tracking,
                    {
                        "parcel_id": parcel.id,
                        "compartment": label,
                        "item_present": True,
                        "carrier": parcel.carrier,
                    },
                    now,
                )
                move_compartment(ctx, label, CompartmentState.OCCUPIED)
                return CompartmentState.OCCUPIED
            store.set_parcel_state(
                parcel.id, next_parcel_state(parcel.state, ParcelState.CANCELLED), now
            )
            store.cancel_notifications(parcel.id)
            tell_withdrawn(ctx, parcel)
            store.append_audit(
                f"courier:{parcel.courier_id}",
                "parcel.cancelled",
                parcel.tracking,
                {
                    "parcel_id": parcel.id,
                    "compartment": label,
                    "item_present": item_present,
                    "carrier": parcel.carrier,
                },
                now,
            )
            move_compartment(ctx, label, CompartmentState.FREE)
            return CompartmentState.FREE
        holds_parcel = parcel is not None
        if item_present is not None and item_present != holds_parcel:
            store.append_audit(
                "system",
                "sensor.fault",
                label,
                {"item_present": item_present, "parcel_recorded": holds_parcel},
                ctx.clock.now(),
            )
        if state is not CompartmentState.OPEN:
            return state
        if item_present and not holds_parcel:
            # Something no record explains (a parcel left behind, a stray item): the door is not
            # handed to the next courier until someone has looked (decision 0006).
            move_compartment(ctx, label, CompartmentState.FAULT)
            return CompartmentState.FAULT
        target = CompartmentState.OCCUPIED if holds_parcel else CompartmentState.FREE
        move_compartment(ctx, label, target)
        if parcel is not None and parcel.state is ParcelState.DEPOSITED:
            _shut_in(ctx, parcel, label)
    return target
