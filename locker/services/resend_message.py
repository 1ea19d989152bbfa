"""An admin sends a failed message again, from its first try."""

from __future__ import annotations

from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, NotFoundError, ServiceRefusal


def resend_message(ctx: LockerContext, actor: str, outbox_id: int) -> None:
    """Put a failed message back in the queue; only a failed one, whose parcel still waits."""
    store = ctx.store
    with store.transaction():
        message = store.outbox_message(outbox_id)
        if message is None:
            raise NotFoundError(
                f"no message {outbox_id}", code=ServiceRefusal.MESSAGE_UNKNOWN, id=outbox_id
            )
        if message.status != "failed":
            raise NotAllowedError(
                f"message {outbox_id} is {message.status}: only a failed one is sent again",
                code=ServiceRefusal.MESSAGE_NOT_FAILED,
                id=outbox_id,
            )
        store.message_again(outbox_id, ctx.clock.now())
        store.append_audit(
            actor,
            "message.resend",
            str(outbox_id),
            {"kind": message.kind, "channel": message.channel},
            ctx.clock.now(),
        )
