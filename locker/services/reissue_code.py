"""A recipient lost the message: issue a new code; the old code and QR stop working."""

from __future__ import annotations

from locker.domain import qr_payload
from locker.domain.pickup_code import issue_code
from locker.domain.states import ParcelState
from locker.services.context import LockerContext
from locker.services.deposit_parcel import DepositReceipt
from locker.services.errors import NotAllowedError, ServiceRefusal
from locker.services.outbox import queue_for_recipient
from locker.services.staff_doors import parcel_by_tracking


def reissue_code(ctx: LockerContext, actor: str, tracking: str) -> DepositReceipt:
    """New code and QR for a deposited parcel; the pickup deadline does not move."""
    store = ctx.store
    parcel = parcel_by_tracking(ctx, tracking)
    if parcel.state is not ParcelState.DEPOSITED or parcel.expires_at is None:
        raise NotAllowedError(
            f"parcel {parcel.tracking} is {parcel.state.value}: no code to reissue",
            code=ServiceRefusal.REISSUE_NOT_WAITING,
            tracking=parcel.tracking,
            state=parcel.state.value,
        )
    now = ctx.clock.now()
    with store.transaction():
        info = store.locker()
        code, code_hash = issue_code(
            info.secret, store.live_code_hashes(), ctx.rules.code_length, ctx.code_source
        )
        serial = store.set_parcel_code(parcel.id, code_hash, parcel.expires_at)
        qr = qr_payload.encode(info.secret, info.locker_id, parcel.id, serial)
        # A deposit whose door has not shut yet keeps its new message held as well.
        held = any(m.status == "held" for m in store.parcel_messages(parcel.id))
        store.cancel_notifications(parcel.id)
        queued = queue_for_recipient(ctx, parcel, "reissued", {"code": code, "qr": qr}, held)
        store.append_audit(
            actor,
            "code.reissued",
            parcel.tracking,
            {
                "parcel_id": parcel.id,
                "serial": serial,
                "carrier": parcel.carrier,
                "channels": sorted({m.channel for m in queued}),
            },
            now,
        )
        fresh = store.parcel(parcel.id)
    assert fresh is not None
    return DepositReceipt(fresh, parcel.compartment or "", code, qr)
