"""What the deposit screen fills in when a courier scans a parcel their carrier pre-advised.

Only the courier's own carrier's pre-advice is matched: a tracking number another carrier
announced is a different parcel. The phone leaves the store masked, as on every screen; the
deposit itself takes the pre-advised number when the courier types none.
"""

from __future__ import annotations

from dataclasses import dataclass

from locker.domain.allocation import choose_compartment
from locker.domain.errors import InvalidInputError
from locker.domain.models import Parcel, Size
from locker.domain.phone import mask_phone
from locker.domain.states import CompartmentState, ParcelState
from locker.services.context import LockerContext
from locker.services.deposit_parcel import normalise_tracking
from locker.services.hold_doors import doors_kept_from
from locker.services.no_space import report_no_space


@dataclass(frozen=True)
class ExpectedDeposit:
    """A pre-advised parcel as the courier's deposit screen shows it."""

    parcel_id: int
    tracking: str
    masked_phone: str
    # As pre-advised, and what the screen selects: that size, the next size up with a free
    # door, or None when no door fits.
    size: Size
    offered: Size | None
    needs_low: bool
    language: str | None

    @property
    def no_space(self) -> bool:
        """No free door of the pre-advised size."""
        return self.offered is not self.size


def courier_expected_parcel(ctx: LockerContext, courier_id: int, tracking: str) -> Parcel | None:
    """The parcel the courier's carrier pre-advised under this tracking number, still expected."""
    courier = ctx.store.courier(courier_id)
    if courier is None or not courier.active:
        return None
    parcel = ctx.store.carrier_parcel(courier.carrier, tracking)
    return parcel if parcel is not None and parcel.state is ParcelState.EXPECTED else None


def expected_for_courier(ctx: LockerContext, courier_id: int, typed: str) -> ExpectedDeposit | None:
    """The pre-advice a scanned tracking number fills in; a missing door of its size is told to
    the carrier (once per attempt)."""
    try:
        tracking = normalise_tracking(typed)
    except InvalidInputError:
        return None
    parcel = courier_expected_parcel(ctx, courier_id, tracking)
    if parcel is None or parcel.size is None:
        return None
    free = ctx.store.compartments(CompartmentState.FREE)
    # The doors other carriers hold are not on offer to this courier (decision 0004).
    kept = doors_kept_from(ctx, parcel.carrier, free)
    door = choose_compartment(free, parcel.size, parcel.needs_low, kept)
    offered = door.size if door is not None else None
    if offered is not parcel.size:
        report_no_space(ctx, parcel, parcel.size, offered, f"courier:{courier_id}")
    return ExpectedDeposit(
        parcel_id=parcel.id,
        tracking=parcel.tracking,
        masked_phone=mask_phone(parcel.recipient_phone),
        size=parcel.size,
        offered=offered,
        needs_low=parcel.needs_low,
        language=parcel.language,
    )
