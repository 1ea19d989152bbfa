"""Doors opened by staff for a parcel: shared checks and the opening itself."""

from __future__ import annotations

from locker.domain.models import Parcel
from locker.domain.states import CompartmentState
from locker.ports import UnlockOutcome
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment, unlock
from locker.services.errors import DoorDidNotOpenError, NotFoundError


def parcel_by_tracking(ctx: LockerContext, tracking: str) -> Parcel:
    """The newest parcel with this tracking number, or NotFoundError."""
    parcel = ctx.store.parcel_by_tracking(tracking.strip().upper())
    if parcel is None:
        raise NotFoundError(f"no parcel {tracking} in this locker")
    return parcel


def open_parcel_door(ctx: LockerContext, parcel: Parcel, purpose: str, actor: str) -> str:
    """Open the door a parcel sits behind unless it already stands open; returns its label."""
    label = parcel.compartment
    if label is None:
        raise NotFoundError(f"parcel {parcel.tracking} is in no compartment")
    compartment = ctx.store.compartment(label)
    if compartment.state is CompartmentState.OPEN:
        return label
    outcome = unlock(ctx, compartment, purpose, actor, parcel.id)
    if outcome is not UnlockOutcome.CONFIRMED:
        raise DoorDidNotOpenError(
            f"door {label} did not open; the parcel stays inside and the door is reported "
            "for repair",
            label,
            outcome.value,
        )
    with ctx.store.transaction():
        if ctx.store.compartment(label).state is CompartmentState.OCCUPIED:
            move_compartment(ctx, label, CompartmentState.OPEN)
    return label
