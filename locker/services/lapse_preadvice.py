"""Pre-advised parcels that never came are cancelled by themselves, `preadvice_days` after their
expected arrival; the housekeeping that expires overdue parcels runs this too."""

from __future__ import annotations

from locker.domain.models import Parcel
from locker.domain.states import ParcelState, next_parcel_state
from locker.services.context import LockerContext


def cancel_lapsed_preadvice(ctx: LockerContext) -> list[Parcel]:
    """Cancel every expected parcel past its arrival and the grace; returns them."""
    store = ctx.store
    now = ctx.clock.now()
    lapsed = []
    with store.transaction():
        for parcel in store.expected_parcels_due(now - ctx.rules.preadvice_window):
            # A courier putting it in right now: the deposit settles it.
            if store.door_operation_in_flight(tracking=parcel.tracking) is not None:
                continue
            store.set_parcel_state(
                parcel.id, next_parcel_state(parcel.state, ParcelState.CANCELLED), now
            )
            store.append_audit(
                "system",
                "parcel.preadvice_expired",
                parcel.tracking,
                {
                    "parcel_id": parcel.id,
                    "carrier": parcel.carrier,
                    "tracking": parcel.tracking,
                    "expected_at": int(parcel.expected_at.timestamp())
                    if parcel.expected_at
                    else None,
                },
                now,
            )
            lapsed.append(parcel)
    return lapsed
