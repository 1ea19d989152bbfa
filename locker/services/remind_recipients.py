"""Reminders to recipients whose parcel still waits: after they were told, and before the
deadline; each at most once per parcel."""

from __future__ import annotations

from locker.domain.states import ParcelState
from locker.services.context import LockerContext
from locker.services.outbox import queue_for_recipient

AFTER_NOTICE, BEFORE_DEADLINE = "after_notice", "before_deadline"


def remind_recipients(ctx: LockerContext) -> int:
    """Queue the reminders that are due now; returns how many parcels were reminded."""
    store = ctx.store
    rules = ctx.rules.messages
    now = ctx.clock.now()
    reminded = 0
    with store.transaction():
        for parcel in store.parcels(frozenset({ParcelState.DEPOSITED})):
            if parcel.notified_at is None or parcel.expires_at is None or now >= parcel.expires_at:
                continue
            sent = {
                m.payload.get("stage")
                for m in store.parcel_messages(parcel.id)
                if m.kind == "reminder"
            }
            before = now >= parcel.expires_at - rules.reminder_before_deadline
            after = now >= parcel.notified_at + rules.reminder_after
            # One reminder close to the deadline is enough: the earlier one is skipped then.
            stage = BEFORE_DEADLINE if before else AFTER_NOTICE if after else None
            if (
                stage is None
                or stage in sent
                or (stage == AFTER_NOTICE and BEFORE_DEADLINE in sent)
            ):
                continue
            if queue_for_recipient(ctx, parcel, "reminder", {"stage": stage}):
                reminded += 1
                # The carrier hears of it through the centre (its `parcel.reminded` event).
                store.append_audit(
                    "system",
                    "parcel.reminded",
                    parcel.tracking,
                    {
                        "parcel_id": parcel.id,
                        "compartment": parcel.compartment,
                        "carrier": parcel.carrier,
                        "stage": stage,
                    },
                    now,
                )
    return reminded
