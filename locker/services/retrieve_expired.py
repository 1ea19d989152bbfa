"""A courier takes back a parcel that was never collected."""

from __future__ import annotations

from locker.domain.carrier_events import RETURNED
from locker.domain.models import Parcel
from locker.domain.states import ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, NotFoundError, ServiceRefusal
from locker.services.outbox import queue_carrier_event
from locker.services.staff_doors import open_parcel_door, parcel_by_tracking


def expired_for(ctx: LockerContext, courier_id: int) -> list[Parcel]:
    """The expired parcels of the courier's carrier, oldest first."""
    courier = ctx.store.courier(courier_id)
    if courier is None:
        raise NotFoundError("no such courier", code=ServiceRefusal.COURIER_INACTIVE)
    parcels = ctx.store.parcels(frozenset({ParcelState.EXPIRED}))
    return sorted((p for p in parcels if p.carrier == courier.carrier), key=lambda p: p.id)


def retrieve_expired(ctx: LockerContext, courier_id: int, tracking: str) -> str:
    """Open an expired parcel's door for its carrier's courier; returns the door label."""
    courier = ctx.store.courier(courier_id)
    if courier is None or not courier.active:
        raise NotFoundError(
            "this courier account does not exist or is disabled",
            code=ServiceRefusal.COURIER_INACTIVE,
        )
    parcel = parcel_by_tracking(ctx, tracking, courier.carrier)
    if parcel.carrier != courier.carrier:
        raise NotAllowedError(
            f"parcel {parcel.tracking} belongs to another carrier",
            code=ServiceRefusal.PARCEL_OTHER_CARRIER,
            tracking=parcel.tracking,
        )
    actor = f"courier:{courier_id}"

    def still_expired(current: Parcel) -> None:
        if current.state is not ParcelState.EXPIRED:
            raise NotAllowedError(
                f"parcel {current.tracking} is {current.state.value}, not expired",
                code=ServiceRefusal.RETRIEVE_NOT_EXPIRED,
                tracking=current.tracking,
                state=current.state.value,
            )

    def returned() -> None:
        now = ctx.clock.now()
        ctx.store.set_parcel_state(
            parcel.id, next_parcel_state(ParcelState.EXPIRED, ParcelState.RETURNED), now
        )
        record = ctx.store.append_audit(
            actor,
            "parcel.returned",
            parcel.tracking,
            {"parcel_id": parcel.id, "compartment": parcel.compartment, "carrier": parcel.carrier},
            now,
        )
        queue_carrier_event(ctx, parcel, RETURNED, record)

    return open_parcel_door(ctx, parcel, "retrieve", actor, still_expired, returned)
