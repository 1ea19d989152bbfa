"""Recipients' phone numbers are erased once a parcel is finished and the retention is over."""

from __future__ import annotations

from locker.services.collect_by_phone import PHONE_BUDGETS
from locker.services.context import LockerContext


def purge_personal_data(ctx: LockerContext) -> int:
    """Erase personal data past the retention period; returns how many parcels were purged."""
    now = ctx.clock.now()
    with ctx.store.transaction():
        count = ctx.store.purge_personal_data(now - ctx.rules.retention)
        # A phone's failure budget is named by a keyed hash of the number: it goes as well.
        budgets = ctx.store.forget_failure_records(PHONE_BUDGETS, now - ctx.rules.retention)
        ctx.store.append_audit(
            "system",
            "personal_data.purged",
            "parcels",
            {
                "count": count,
                "phone_budgets": budgets,
                "retention_days": ctx.rules.retention.days,
            },
            now,
        )
    return count
