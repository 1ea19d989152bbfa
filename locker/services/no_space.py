"""A courier finds no free door of the size a pre-advised parcel needs: its carrier is told.

The record (`parcel.no_space`) is the fleet's event: the centre turns it into the carrier's
`no_space` webhook. The courier's screen asks again on each reload and each scan, and a refused
deposit asks once more; all of that within `ATTEMPT` is one attempt, told once.
"""

from __future__ import annotations

from datetime import timedelta

from locker.domain.models import Parcel, Size
from locker.services.context import LockerContext

ATTEMPT = timedelta(minutes=30)


def report_no_space(
    ctx: LockerContext, parcel: Parcel, size: Size, offered: Size | None, actor: str
) -> bool:
    """Audit that no door of `size` was free (`offered`: the larger size the screen offers, or
    None: no room); False when this attempt was told already."""
    now = ctx.clock.now()
    with ctx.store.transaction():
        if not ctx.store.claim_no_space(parcel.id, now, now - ATTEMPT):
            return False
        ctx.store.append_audit(
            actor,
            "parcel.no_space",
            parcel.tracking,
            {
                "parcel_id": parcel.id,
                "carrier": parcel.carrier,
                "tracking": parcel.tracking,
                "size": size.value,
                "low_door": parcel.needs_low,
                "offered": offered.value if offered else None,
            },
            now,
        )
    return True
