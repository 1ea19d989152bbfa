"""`locker outbox list` and `locker outbox retry`: the messages waiting, sent and failed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from locker.cli.runtime import Runtime, pass_runtime, printable
from locker.domain.email_address import mask_emails_in
from locker.domain.phone import mask_phones_in
from locker.ports import OutboxMessage
from locker.services.deliver_messages import masked_recipient
from locker.services.resend_message import resend_message

STATES = ("held", "pending", "sending", "sent", "failed", "cancelled")
COLUMNS = (
    "id",
    "kind",
    "channel",
    "status",
    "attempts",
    "recipient",
    "created_at",
    "next_attempt_at",
    "sent_at",
    "last_error",
)
# SQLite's INTEGER is 64-bit signed: a larger id names no message.
MAX_ID = 2**63 - 1


@click.group()
def outbox() -> None:
    """Messages to recipients and carriers: queued, sent and failed."""


@outbox.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only messages in this state.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_runtime
def outbox_list(runtime: Runtime, state: str | None, as_json: bool) -> None:
    """List messages, newest first; recipients are masked and no code is shown."""
    zone = ZoneInfo(runtime.settings.timezone)
    with runtime.context() as ctx:
        rows = [_row(m, zone) for m in ctx.store.messages(state)]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    cells = [{c: "" if row[c] is None else str(row[c]) for c in COLUMNS} for row in rows]
    widths = {c: max([len(c)] + [len(r[c]) for r in cells]) for c in COLUMNS}
    click.echo("  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip())
    for row_cells in cells:
        click.echo("  ".join(row_cells[c].ljust(widths[c]) for c in COLUMNS).rstrip())


@outbox.command("retry")
@click.argument("outbox_id", metavar="ID", type=click.IntRange(1, MAX_ID))
@pass_runtime
def outbox_retry(runtime: Runtime, outbox_id: int) -> None:
    """Send a failed message again, from its first try; the running locker's worker sends it."""
    with runtime.context() as ctx:
        resend_message(ctx, "cli", outbox_id)
    click.echo(f"message {outbox_id} queued again")


def _row(message: OutboxMessage, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "channel": message.channel,
        "status": message.status,
        "attempts": message.attempts,
        "recipient": masked_recipient(message.channel, message.recipient),
        "created_at": _time(message.created_at, zone),
        "next_attempt_at": _time(message.next_attempt_at, zone),
        "sent_at": _time(message.sent_at, zone),
        "last_error": _error(message),
    }


def _time(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """A moment in the locker's time zone, to the second, with its offset."""
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _error(message: OutboxMessage) -> str | None:
    """The provider's last answer on one line, with no code or phone in clear: a provider may
    quote what it was sent."""
    if not message.last_error:
        return None
    text = message.last_error
    if message.recipient:
        text = text.replace(message.recipient, masked_recipient(message.channel, message.recipient))
    for secret in (message.payload.get("code"), message.payload.get("qr")):
        if secret:
            text = text.replace(str(secret), "*" * len(str(secret)))
    return printable(mask_emails_in(mask_phones_in(text)))


def register(cli: click.Group) -> None:
    """Add these commands to the top-level group."""
    cli.add_command(outbox)
