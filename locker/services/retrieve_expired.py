"""A courier takes back a parcel that was never collected."""

from __future__ import annotations

from locker.domain.models import Parcel
from locker.domain.states import ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, NotFoundError
from locker.services.staff_doors import open_parcel_door, parcel_by_tracking


def expired_for(ctx: LockerContext, courier_id: int) -> list[Parcel]:
    """The expired parcels of the courier's carrier, oldest first."""
    courier = ctx.store.courier(courier_id)
    if courier is None:
        raise NotFoundError("no such courier")
    parcels = ctx.store.parcels(frozenset({ParcelState.EXPIRED}))
    return sorted((p for p in parcels if p.carrier == courier.carrier), key=lambda p: p.id)


def retrieve_expired(ctx: LockerContext, courier_id: int, tracking: str) -> str:
    """Open an expired parcel's door for its carrier's courier; returns the door label."""
    courier = ctx.store.courier(courier_id)
    if courier is None or not courier.active:
        raise NotFoundError("this courier account does not exist or is disabled")
    parcel = parcel_by_tracking(ctx, tracking)
    if parcel.carrier != courier.carrier:
        raise NotAllowedError(f"parcel {parcel.tracking} belongs to another carrier")
    if parcel.state is not ParcelState.EXPIRED:
        raise NotAllowedError(f"parcel {parcel.tracking} is {parcel.state.value}, not expired")
    actor = f"courier:{courier_id}"
    label = open_parcel_door(ctx, parcel, "retrieve", actor)
    store = ctx.store
    with store.transaction():
        store.set_parcel_state(
            parcel.id, next_parcel_state(parcel.state, ParcelState.RETURNED), ctx.clock.now()
        )
        store.append_audit(
            actor,
            "parcel.returned",
            parcel.tracking,
            {"parcel_id": parcel.id, "compartment": label},
            ctx.clock.now(),
        )
    return label
