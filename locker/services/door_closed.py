"""A door was closed: the compartment holds a parcel or stands empty, as the records say."""

from __future__ import annotations

from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment


def door_closed(
    ctx: LockerContext, label: str, item_present: bool | None = None
) -> CompartmentState:
    """Settle an open compartment after its door shut, as the records say.

    An item sensor that disagrees with the records is reported as a sensor fault for an admin
    to check, but does not take the door out of use: a broken sensor must not stop a
    recipient's legitimate unlock (decision 0006).
    """
    store = ctx.store
    with store.transaction():
        state = store.compartment(label).state
        holds_parcel = store.parcel_in(label) is not None
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
        target = CompartmentState.OCCUPIED if holds_parcel else CompartmentState.FREE
        move_compartment(ctx, label, target)
    return target
