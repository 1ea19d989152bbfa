"""The outbox worker's use case: deliver the next message that is due, once, and record it.

A try has two commits around the provider's call. The first marks the message `sending` (and,
for a deposit's first message, starts the pickup window now: the recipient is told now); the
second records the outcome. A crash between the provider's acknowledgement and the second
commit is the only way a message goes out twice: start-up puts it back to pending and it is
sent once more with the same message id, which the provider can recognise.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import datetime, timedelta

from locker.domain import message_texts, qr_payload
from locker.domain.email_address import mask_email
from locker.domain.models import Parcel
from locker.domain.phone import mask_phone
from locker.domain.states import ParcelState
from locker.message_channel import (
    DEMO,
    EMAIL,
    SMS,
    WEBHOOK,
    DeliveryError,
    EmailText,
    MessageChannel,
    OutgoingMessage,
    SmsText,
    WebhookEvent,
)
from locker.ports import LockerInfo, OutboxMessage
from locker.services.context import LockerContext

log = logging.getLogger(__name__)
SYSTEM = "system"
# Kinds that carry the pickup QR in an e-mail: rebuilt from the parcel when the message holds
# none (a reminder), since only the code's hash is kept.
QR_KINDS = frozenset({"deposited", "reissued", "reminder"})
# Messages about a parcel that waits for its recipient: once it no longer waits, they are moot.
WAITING_KINDS = QR_KINDS
DAY = timedelta(days=1)
# A relayed message the centre has not confirmed in this time is handed over again.
RELAY_CONFIRM_WAIT = timedelta(minutes=10)


def deliver_next(ctx: LockerContext) -> OutboxMessage | None:
    """Try the oldest message that is due; returns it (as it was), or None if none is due."""
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        if any(getattr(channel, "relays", False) for channel in ctx.channels.values()):
            store.requeue_unconfirmed_relays(
                now - RELAY_CONFIRM_WAIT, ctx.rules.messages.max_attempts
            )
        message = store.due_message(now)
        if message is None:
            return None
        channel = ctx.channels.get(message.channel)
        refusal = _refusal(ctx, message, channel, now)
        if refusal is not None or channel is None:
            _fail(ctx, message, refusal or "no channel")
            return message
        parcel = store.parcel(message.parcel_id)
        assert parcel is not None
        if _moot(message, parcel):
            store.cancel_notifications(parcel.id)
            return message
        if message.kind == "deposited" and _starts_the_window(ctx, parcel):
            # The recipient is told now: the pickup window runs from now (issue: "the clock
            # starts when the recipient is told"), and the message gives that deadline.
            store.set_parcel_deadline(parcel.id, now, now + ctx.rules.pickup_window)
            parcel = replace(parcel, notified_at=now, expires_at=now + ctx.rules.pickup_window)
        store.start_sending(message.id, now)
        outgoing = render(ctx, message, parcel, store.locker())
    try:
        receipt = channel.send(outgoing)
    except DeliveryError as error:
        _after_error(ctx, message, str(error), error.permanent)
    except Exception as error:  # an adapter's bug must not stop the worker; it is tried again
        log.exception("the %s channel raised", message.channel)
        _after_error(ctx, message, f"{type(error).__name__}", permanent=False)
    else:
        with store.transaction():
            if getattr(channel, "relays", False):
                # The centre delivers it and confirms (`confirm_delivery`); the code stays.
                store.message_relayed(message.id, receipt, ctx.clock.now())
                _audit(ctx, message, "message.relayed", {"attempt": message.attempts + 1})
            else:
                store.message_sent(message.id, receipt, ctx.clock.now())
                _audit(ctx, message, "message.sent", {"attempt": message.attempts + 1})
    return message


def confirm_delivery(ctx: LockerContext, message_id: str, at: datetime) -> bool:
    """The centre delivered a relayed message at `at`: sent, its code erased, the window fixed.

    A deposit's first message fixes the pickup window from the moment the recipient was told,
    never earlier than the deadline the message gave. False when no such message waits.
    """
    store = ctx.store
    with store.transaction():
        message = store.message_confirmed(message_id, at)
        if message is None:
            return False
        parcel = store.parcel(message.parcel_id)
        waiting = parcel is not None and parcel.state is ParcelState.DEPOSITED
        if message.kind == "deposited" and waiting and parcel and parcel.expires_at:
            deadline = max(parcel.expires_at, at + ctx.rules.pickup_window)
            store.set_parcel_deadline(parcel.id, at, deadline)
        _audit(ctx, message, "message.sent", {"via": "centre", "at": at.isoformat()})
    return True


def relay_failed(ctx: LockerContext, message_id: str, error: str) -> bool:
    """The centre could not deliver a relayed message and gave up: it fails here too, so that
    the admin's Messages page shows it and a resend can be asked for. False if none waits."""
    with ctx.store.transaction():
        message = ctx.store.relayed_message(message_id)
        if message is None:
            return False
        _fail(ctx, message, f"the centre: {error}", message.attempts)
    return True


def _refusal(
    ctx: LockerContext, message: OutboxMessage, channel: MessageChannel | None, now: datetime
) -> str | None:
    """Why a message cannot be tried at all, or None."""
    if channel is None:
        return f"no {message.channel} channel is configured"
    if not message.recipient or not channel.reaches(message.recipient):
        return f"the {message.channel} channel cannot reach this recipient"
    if message.channel == SMS:
        sent_today = ctx.store.sms_count_since(message.recipient, now - DAY)
        if sent_today >= ctx.rules.messages.sms_daily_cap:
            return f"{sent_today} SMS to this phone in 24 hours: the daily cap"
    return None


def _moot(message: OutboxMessage, parcel: Parcel) -> bool:
    """A message about a parcel waiting for its recipient, when it waits no more."""
    return message.kind in WAITING_KINDS and parcel.state is not ParcelState.DEPOSITED


def _starts_the_window(ctx: LockerContext, parcel: Parcel) -> bool:
    """A deposited parcel whose recipient no message has reached yet."""
    if parcel.state is not ParcelState.DEPOSITED:
        return False
    return not any(
        m.kind == "deposited" and m.status == "sent" for m in ctx.store.parcel_messages(parcel.id)
    )


def _after_error(ctx: LockerContext, message: OutboxMessage, error: str, permanent: bool) -> None:
    attempt = message.attempts + 1
    with ctx.store.transaction():
        if permanent or attempt >= ctx.rules.messages.max_attempts:
            _fail(ctx, message, error, attempt)
            return
        next_at = ctx.clock.now() + backoff(ctx, attempt)
        ctx.store.message_to_retry(message.id, error, next_at)
        _untold(ctx, message)
        parcel = ctx.store.parcel(message.parcel_id)
        if parcel is not None and _moot(message, parcel):
            # Collected (or withdrawn) while this try was out: no need to try again.
            ctx.store.cancel_notifications(parcel.id)
        _audit(
            ctx,
            message,
            "message.retry",
            {"attempt": attempt, "error": error, "next": next_at.isoformat()},
        )


def _fail(ctx: LockerContext, message: OutboxMessage, error: str, attempt: int = 0) -> None:
    """No more tries, inside the caller's transaction."""
    ctx.store.message_failed(message.id, error)
    _audit(ctx, message, "message.failed", {"attempt": attempt, "error": error})
    _untold(ctx, message)


def _untold(ctx: LockerContext, message: OutboxMessage) -> None:
    """A deposit's message did not get through: until one does, its recipient has not been told,
    and the window runs from the deposit."""
    store = ctx.store
    if message.kind != "deposited":
        return
    parcel = store.parcel(message.parcel_id)
    if parcel is None or parcel.deposited_at is None or parcel.state is not ParcelState.DEPOSITED:
        return
    if any(m.kind == "deposited" and m.status == "sent" for m in store.parcel_messages(parcel.id)):
        return
    store.set_parcel_deadline(parcel.id, None, parcel.deposited_at + ctx.rules.pickup_window)


def backoff(ctx: LockerContext, attempt: int) -> timedelta:
    """The wait after the `attempt`-th failed try: doubling from the first wait, capped, with up
    to a quarter of jitter so that a locker's retries do not all land at once."""
    rules = ctx.rules.messages
    base = rules.first_retry * (2 ** min(attempt - 1, 30))
    wait = min(base, rules.max_retry)
    return wait * (1 - random.uniform(0, 0.25))


def masked_recipient(channel: str, recipient: str | None) -> str:
    """Whom a message goes to, as a screen, a log or an audit record may show it: a carrier by
    name, an address by its first letter and domain, a phone by its first three and last four
    digits."""
    recipient = recipient or ""
    if channel == WEBHOOK:
        return recipient
    if "@" in recipient:
        return mask_email(recipient)
    return mask_phone(recipient)


def _audit(
    ctx: LockerContext, message: OutboxMessage, action: str, details: dict[str, object]
) -> None:
    parcel = ctx.store.parcel(message.parcel_id)
    ctx.store.append_audit(
        SYSTEM,
        action,
        parcel.tracking if parcel else str(message.parcel_id),
        {
            "message": message.id,
            "kind": message.kind,
            "channel": message.channel,
            "recipient": masked_recipient(message.channel, message.recipient),
            "carrier": parcel.carrier if parcel else None,
            **details,
        },
        ctx.clock.now(),
    )


def render(
    ctx: LockerContext, message: OutboxMessage, parcel: Parcel, info: LockerInfo
) -> OutgoingMessage:
    """The message as its channel sends it: the texts are written now, with the deadline as it
    stands now."""
    recipient = message.recipient or ""
    if message.channel == WEBHOOK:
        event = WebhookEvent(str(message.payload["event_id"]), dict(message.payload["body"]))
        return OutgoingMessage(
            message.message_id, message.kind, recipient, message.language, event=event
        )
    qr = message.payload.get("qr")
    if qr is None and message.kind in QR_KINDS and parcel.state is ParcelState.DEPOSITED:
        qr = qr_payload.encode(info.secret, info.locker_id, parcel.id, parcel.code_serial)
    facts = message_texts.MessageFacts(
        locker=info.name,
        address=info.address,
        tracking=parcel.tracking,
        door=parcel.compartment or "",
        size=parcel.size.value if parcel.size else "",
        deadline=parcel.expires_at,
        timezone=ctx.rules.messages.timezone,
        now=ctx.clock.now(),
        code=message.payload.get("code"),
        qr=qr,
    )
    sms = email = None
    if message.channel in (SMS, DEMO):
        parts = message_texts.sms(message.kind, message.language, facts)
        sms = SmsText(parts.template, parts.params, parts.text)
    if message.channel in (EMAIL, DEMO):
        mail = message_texts.email(message.kind, message.language, facts)
        email = EmailText(mail.subject, mail.text, mail.html, mail.qr)
    return OutgoingMessage(
        message.message_id, message.kind, recipient, message.language, sms=sms, email=email
    )
