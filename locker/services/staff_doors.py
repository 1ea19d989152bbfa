"""Doors opened by staff for a parcel: shared checks and the opening itself."""

from __future__ import annotations

from collections.abc import Callable

from locker.domain.models import Compartment, Parcel
from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.door_commands import DoorCommand, fire_door, move_compartment
from locker.services.errors import DoorDidNotOpenError, NotFoundError, ServiceRefusal


def parcel_by_tracking(ctx: LockerContext, tracking: str, carrier: str | None = None) -> Parcel:
    """The newest parcel with this tracking number, or NotFoundError. With a carrier, that
    carrier's parcel first: two carriers may use one number."""
    wanted = tracking.strip().upper()
    parcel = (ctx.store.parcel_by_tracking(wanted, carrier) if carrier else None) or (
        ctx.store.parcel_by_tracking(wanted)
    )
    if parcel is None:
        raise NotFoundError(
            f"no parcel {tracking} in this locker",
            code=ServiceRefusal.PARCEL_UNKNOWN,
            tracking=tracking.strip().upper(),
        )
    return parcel


def open_parcel_door(
    ctx: LockerContext,
    parcel: Parcel,
    purpose: str,
    actor: str,
    check: Callable[[Parcel], None],
    settle: Callable[[], None],
) -> str:
    """Open the door a parcel sits behind, unless it already stands open, and settle.

    `check` sees the parcel as it stands inside the claim and raises to refuse; `settle` runs
    in the same transaction as the confirmed unlock (or alone, for a door already open).
    Returns the door's label.
    """
    label = parcel.compartment
    if label is None:
        raise NotFoundError(
            f"parcel {parcel.tracking} is in no compartment",
            code=ServiceRefusal.PARCEL_NO_DOOR,
            tracking=parcel.tracking,
        )
    store = ctx.store
    with store.transaction():
        current = store.parcel(parcel.id)
        if current is None:
            raise NotFoundError(
                f"no parcel {parcel.tracking} in this locker",
                code=ServiceRefusal.PARCEL_UNKNOWN,
                tracking=parcel.tracking,
            )
        check(current)
        if store.compartment(label).state is CompartmentState.OPEN:
            settle()
            return label

    def opened() -> None:
        if store.compartment(label).state is CompartmentState.OCCUPIED:
            move_compartment(ctx, label, CompartmentState.OPEN)
        settle()

    def check_again(compartment: Compartment) -> None:
        current = store.parcel(parcel.id)
        assert current is not None
        check(current)

    fired = fire_door(ctx, DoorCommand(label, purpose, actor, parcel.id), check_again, opened)
    if not fired.confirmed:
        raise DoorDidNotOpenError(
            f"door {label} did not open; the parcel stays inside and the door is reported "
            "for repair",
            label,
            fired.outcome.value,
            code=ServiceRefusal.STAFF_DOOR_FAILED,
        )
    return label
