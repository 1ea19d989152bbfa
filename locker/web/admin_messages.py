"""The admin's Messages page: the outbox, newest first, and "Resend" on a failed message.

No pickup code and no phone or address in clear: the payload is never shown, recipients are
masked (carriers, the webhooks' recipients, stay in clear) and so is any phone or address a
provider's error repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from locker.domain.email_address import mask_email, mask_emails_in
from locker.domain.phone import mask_phone, mask_phones_in
from locker.message_channel import WEBHOOK
from locker.ports import OutboxMessage
from locker.services.context import LockerContext
from locker.services.errors import ServiceError
from locker.services.resend_message import resend_message
from locker.web.admin_session import admin_page, no_store, require_admin
from locker.web.form_values import parse_id
from locker.web.refusal_text import refusal_text
from locker.web.repeat_guard import once_per_tap
from locker.web.request_context import locker_ctx
from locker.web.screen_time import local_midnight

bp = Blueprint("messages", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(no_store)

STATUSES = ("held", "pending", "sending", "sent", "failed", "cancelled")
SHOWN = 200
# The dashboard names the newest failures, with the provider's words.
DASHBOARD_FAILURES = 3


def status_names() -> dict[str, str]:
    """Each delivery state in words."""
    return {
        "held": _("Held until the door shuts"),
        "pending": _("Queued"),
        "sending": _("Sending"),
        "sent": _("Delivered"),
        "failed": _("Failed"),
        "cancelled": _("Cancelled"),
    }


def kind_names() -> dict[str, str]:
    """Each kind of message in words; a carrier's event keeps its own name beside."""
    return {
        "deposited": _("Pickup code"),
        "reissued": _("New pickup code"),
        "reminder": _("Reminder"),
        "expired": _("Expiry notice"),
        "withdrawn": _("Withdrawal notice"),
        "parcel.deposited": _("Carrier: deposited"),
        "parcel.collected": _("Carrier: collected"),
        "parcel.returned": _("Carrier: returned"),
        "parcel.expired": _("Carrier: expired"),
    }


def channel_names() -> dict[str, str]:
    """Each channel in words."""
    return {
        "sms": _("SMS"),
        "email": _("E-mail"),
        "webhook": _("Carrier's webhook"),
        "demo": _("Demo phone"),
    }


def masked_recipient(message: OutboxMessage) -> str:
    """Who the message is for, as a screen may show it: a carrier in clear, the rest masked."""
    recipient = message.recipient or ""
    if message.channel == WEBHOOK:
        return recipient
    return mask_email(recipient) if "@" in recipient else mask_phone(recipient)


def masked_error(error: str | None) -> str:
    """A provider's error, with any phone or address it repeats masked."""
    return mask_emails_in(mask_phones_in(error or ""))


def rows(ctx: LockerContext, messages: Sequence[OutboxMessage]) -> list[dict[str, Any]]:
    """The messages as the page shows them, with each parcel's tracking number."""
    trackings: dict[int, str] = {}
    for message in messages:
        if message.parcel_id not in trackings:
            parcel = ctx.store.parcel(message.parcel_id)
            trackings[message.parcel_id] = parcel.tracking if parcel else ""
    return [
        {
            "id": m.id,
            "kind": m.kind,
            "channel": m.channel,
            "to": masked_recipient(m),
            "tracking": trackings[m.parcel_id],
            "status": m.status,
            "attempts": m.attempts,
            "error": masked_error(m.last_error),
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            # A retry's time; a message not tried yet is simply due.
            "next_at": m.next_attempt_at if m.status == "pending" and m.attempts else None,
        }
        for m in messages
    ]


def message_summary(ctx: LockerContext) -> Mapping[str, Any]:
    """The dashboard's count: queued, failed (the newest with their errors), delivered today
    (since midnight in the locker's time zone)."""
    counts = ctx.store.message_counts(local_midnight(ctx.clock.now()))
    failures = ctx.store.messages("failed", DASHBOARD_FAILURES) if counts["failed"] else []
    return {**counts, "failures": rows(ctx, failures)}


def _status() -> str | None:
    """The status the page is narrowed to; anything else shows every message."""
    wanted = request.values.get("status", "")
    return wanted if wanted in STATUSES else None


@bp.get("/messages")
def messages() -> tuple[str, int]:
    """The newest messages, optionally in one status."""
    ctx = locker_ctx()
    wanted = _status()
    return admin_page(
        "admin/messages.html",
        rows=rows(ctx, ctx.store.messages(wanted, SHOWN)),
        wanted=wanted,
        statuses=STATUSES,
        status_names=status_names(),
        kind_names=kind_names(),
        channel_names=channel_names(),
    )


@bp.post("/messages/resend")
@once_per_tap()
def resend() -> Response:
    """Send a failed message again, from its first try."""
    outbox_id = parse_id(request.form.get("outbox_id")) or 0
    back = redirect(url_for("messages.messages", status=_status()), 303)
    try:
        resend_message(locker_ctx(), f"admin:{g.admin}", outbox_id)
    except ServiceError as refusal:
        flash(refusal_text(refusal), "error")
        return back
    flash(_("Message %(id)s is queued to be sent again.", id=outbox_id), "ok")
    return back
