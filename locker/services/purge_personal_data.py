"""Recipients' phone numbers are erased once a parcel is finished and the retention is over."""

from __future__ import annotations

from locker.services.context import LockerContext


def purge_personal_data(ctx: LockerContext) -> int:
    """Erase personal data past the retention period; returns how many parcels were purged."""
    now = ctx.clock.now()
    with ctx.store.transaction():
        count = ctx.store.purge_personal_data(now - ctx.rules.retention)
        ctx.store.append_audit(
            "system",
            "personal_data.purged",
            "parcels",
            {"count": count, "retention_days": ctx.rules.retention.days},
            now,
        )
    return count
