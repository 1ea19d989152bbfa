"""Putting messages in the outbox: to the recipient on each channel that reaches them, and to
the parcel's carrier; always inside the transaction of the change that causes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from locker.domain.audit_chain import AuditRecord
from locker.domain.carrier_events import carrier_event
from locker.domain.models import Parcel
from locker.message_channel import WEBHOOK
from locker.ports import OutboxMessage
from locker.services.context import LockerContext


def recipient_channels(ctx: LockerContext, parcel: Parcel) -> list[tuple[str, str]]:
    """(channel, address) for each channel that reaches the parcel's recipient."""
    found = []
    for name, channel in ctx.channels.items():
        if name == WEBHOOK:
            continue
        for address in (parcel.recipient_phone, parcel.recipient_email):
            if address and channel.reaches(address):
                found.append((name, address))
                break
    return found


def language_of(ctx: LockerContext, parcel: Parcel) -> str:
    """The recipient's language, else the locker's."""
    return parcel.language or ctx.rules.messages.language


def queue_for_recipient(
    ctx: LockerContext,
    parcel: Parcel,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    held: bool = False,
) -> list[OutboxMessage]:
    """One message of `kind` per channel that reaches the recipient, inside the caller's
    transaction; `payload` carries what cannot be read again later (a plain code, its QR)."""
    now = ctx.clock.now()
    return [
        ctx.store.queue_message(
            kind=kind,
            parcel_id=parcel.id,
            channel=channel,
            recipient=address,
            language=language_of(ctx, parcel),
            payload=dict(payload or {}),
            at=now,
            held=held,
        )
        for channel, address in recipient_channels(ctx, parcel)
    ]


def queue_carrier_event(
    ctx: LockerContext, parcel: Parcel, event: str, record: AuditRecord
) -> OutboxMessage | None:
    """The carrier's webhook event for an audited change of a parcel, if it has a webhook.

    The event id is the locker's id and the audit record's number: the same event, sent again
    after a crash or by a centre, is recognised by the carrier as one.
    """
    channel = ctx.channels.get(WEBHOOK)
    if channel is None or not channel.reaches(parcel.carrier):
        return None
    locker_id = ctx.store.locker().locker_id
    found = carrier_event(locker_id, record, ZoneInfo(ctx.rules.messages.timezone))
    if found is None or found[2]["type"] != event:
        raise ValueError(f"the record {record.action} does not make the event {event}")
    event_id, _, body = found
    return ctx.store.queue_message(
        kind=event,
        parcel_id=parcel.id,
        channel=WEBHOOK,
        recipient=parcel.carrier,
        language=ctx.rules.messages.language,
        payload={"event_id": event_id, "body": body},
        at=ctx.clock.now(),
        audit_seq=record.seq,
    )


def tell_withdrawn(ctx: LockerContext, parcel: Parcel) -> list[OutboxMessage]:
    """A parcel whose code reached its recipient was cancelled: a short notice, inside the
    caller's transaction. A recipient never told of it is told nothing."""
    told = any(
        m.kind == "deposited" and m.status == "sent" for m in ctx.store.parcel_messages(parcel.id)
    )
    return queue_for_recipient(ctx, parcel, "withdrawn") if told else []
