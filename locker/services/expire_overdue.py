"""Parcels whose pickup window has ended become expired, for their courier to take back."""

from __future__ import annotations

from locker.domain.carrier_events import EXPIRED
from locker.domain.models import Parcel
from locker.domain.states import ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.outbox import queue_carrier_event, queue_for_recipient


def expire_overdue(ctx: LockerContext) -> list[Parcel]:
    """Expire every deposited parcel past its window; returns them."""
    store = ctx.store
    now = ctx.clock.now()
    expired = []
    with store.transaction():
        for parcel in store.parcels(frozenset({ParcelState.DEPOSITED})):
            if parcel.expires_at is None or parcel.expires_at > now:
                continue
            # A door opening for it now (a pickup at the last second, an undo) settles it.
            if parcel.undo_requested_at is not None or store.door_operation_in_flight(
                parcel.compartment, parcel.id
            ):
                continue
            store.set_parcel_state(
                parcel.id, next_parcel_state(parcel.state, ParcelState.EXPIRED), now
            )
            store.cancel_notifications(parcel.id)
            record = store.append_audit(
                "system",
                "parcel.expired",
                parcel.tracking,
                {
                    "parcel_id": parcel.id,
                    "compartment": parcel.compartment,
                    "carrier": parcel.carrier,
                },
                now,
            )
            # The recipient learns where the parcel goes now, and its carrier that it waits.
            queue_for_recipient(ctx, parcel, "expired")
            queue_carrier_event(ctx, parcel, EXPIRED, record)
            expired.append(parcel)
    return expired
