"""The outbox: messages to recipients and carriers, by channel, with their delivery state."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from locker.ports import OutboxMessage
from locker.store.codec import parse_time, time_text

# A message's plain pickup code and QR open a door: they are kept only until the message is
# sent (or finally fails), or until the parcel leaves `deposited` (a trigger of
# m005_outbox_erasure erases them then too).
ERASE_CODES = "json_remove(payload, '$.code', '$.qr')"
HOLDS_CODES = "(json_type(payload, '$.code') IS NOT NULL OR json_type(payload, '$.qr') IS NOT NULL)"
# Carriers' events are not the recipient's messages: a parcel collected still tells its carrier.
TO_RECIPIENT = "channel != 'webhook'"


def _message(row: dict[str, Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        message_id=row["message_id"],
        kind=row["kind"],
        parcel_id=row["parcel_id"],
        channel=row["channel"],
        recipient=row["recipient"],
        language=row["language"],
        payload=json.loads(row["payload"]),
        status=row["status"],
        attempts=row["attempts"],
        created_at=parse_time(row["created_at"]) or datetime.min,
        next_attempt_at=parse_time(row["next_attempt_at"]),
        last_error=row["last_error"],
        sent_at=parse_time(row["sent_at"]),
        audit_seq=row["audit_seq"],
    )


class OutboxRows:
    """Queries on the outbox table."""

    db: sqlite_utils.Database

    def queue_message(
        self,
        *,
        kind: str,
        parcel_id: int,
        channel: str,
        recipient: str,
        language: str,
        payload: Mapping[str, Any],
        at: datetime,
        held: bool = False,
        audit_seq: int | None = None,
    ) -> OutboxMessage:
        """Put a message in the outbox, pending (or held until its door shuts)."""
        cursor = self.db.execute(
            "INSERT INTO outbox (kind, parcel_id, channel, recipient, language, payload, status, "
            "created_at, next_attempt_at, message_id, audit_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                kind,
                parcel_id,
                channel,
                recipient,
                language,
                json.dumps(dict(payload), sort_keys=True),
                "held" if held else "pending",
                time_text(at),
                time_text(at),
                uuid.uuid4().hex,
                audit_seq,
            ],
        )
        message = self.outbox_message(int(cursor.lastrowid or 0))
        assert message is not None
        return message

    def cancel_notifications(self, parcel_id: int) -> None:
        """Withdraw a parcel's unsent messages to its recipient, and erase its codes from every
        message; carriers' events stay."""
        self.db.execute(
            f"UPDATE outbox SET status = 'cancelled' WHERE parcel_id = ? AND {TO_RECIPIENT} "
            "AND status IN ('held', 'pending')",
            [parcel_id],
        )
        self.db.execute(
            f"UPDATE outbox SET payload = {ERASE_CODES} WHERE parcel_id = ? AND {HOLDS_CODES}",
            [parcel_id],
        )

    def release_held_messages(self, parcel_id: int) -> int:
        """A deposit's door shut on its parcel: its held messages may go; returns how many."""
        cursor = self.db.execute(
            "UPDATE outbox SET status = 'pending' WHERE parcel_id = ? AND status = 'held'",
            [parcel_id],
        )
        return cursor.rowcount

    def due_message(self, now: datetime) -> OutboxMessage | None:
        """The oldest pending message whose time has come."""
        for row in self.db.query(
            "SELECT * FROM outbox WHERE status = 'pending' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT 1",
            [time_text(now)],
        ):
            return _message(row)
        return None

    def outbox_message(self, outbox_id: int) -> OutboxMessage | None:
        """One outbox message by its row id."""
        for row in self.db.query("SELECT * FROM outbox WHERE id = ?", [outbox_id]):
            return _message(row)
        return None

    def parcel_messages(self, parcel_id: int) -> Sequence[OutboxMessage]:
        """Every message of a parcel, oldest first."""
        rows = self.db.query("SELECT * FROM outbox WHERE parcel_id = ? ORDER BY id", [parcel_id])
        return [_message(r) for r in rows]

    def messages(self, status: str | None = None, limit: int = 500) -> Sequence[OutboxMessage]:
        """Messages, newest first, optionally in one status."""
        if status is None:
            rows = self.db.query("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", [limit])
        else:
            rows = self.db.query(
                "SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?", [status, limit]
            )
        return [_message(r) for r in rows]

    def message_counts(self, since: datetime) -> Mapping[str, int]:
        """How many messages are queued (held or pending), failed, and sent since `since`."""
        row = next(
            self.db.query(
                "SELECT "
                "SUM(status IN ('held', 'pending', 'sending', 'relayed')) AS queued, "
                "SUM(status = 'failed') AS failed, "
                "SUM(status = 'sent' AND sent_at >= ?) AS sent "
                "FROM outbox",
                [time_text(since)],
            )
        )
        return {name: int(row[name] or 0) for name in ("queued", "failed", "sent")}

    def start_sending(self, outbox_id: int, at: datetime) -> None:
        """A try begins: sending, one more attempt."""
        self.db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, "
            "next_attempt_at = ? WHERE id = ?",
            [time_text(at), outbox_id],
        )

    def message_sent(self, outbox_id: int, receipt: str, at: datetime) -> None:
        """Delivered: sent, with the provider's receipt; the plain code and QR are erased."""
        self.db.execute(
            f"UPDATE outbox SET status = 'sent', sent_at = ?, receipt = ?, last_error = NULL, "
            f"payload = {ERASE_CODES} WHERE id = ?",
            [time_text(at), receipt, outbox_id],
        )

    def message_relayed(self, outbox_id: int, receipt: str, at: datetime) -> None:
        """Handed to the centre: it waits for the centre's confirmation, its code kept.

        A confirmation may overtake this commit; a message it marked sent stays sent.
        """
        self.db.execute(
            "UPDATE outbox SET status = 'relayed', sent_at = ?, receipt = ?, last_error = NULL "
            "WHERE id = ? AND status = 'sending'",
            [time_text(at), receipt, outbox_id],
        )

    def message_confirmed(self, message_id: str, at: datetime) -> OutboxMessage | None:
        """The centre delivered it: sent at `at`, codes erased; None if no such message waits."""
        rows = list(
            self.db.query(
                "SELECT * FROM outbox WHERE message_id = ? "
                "AND status IN ('relayed', 'pending', 'sending')",
                [message_id],
            )
        )
        if not rows:
            return None
        self.db.execute(
            f"UPDATE outbox SET status = 'sent', sent_at = ?, receipt = 'centre', "
            f"last_error = NULL, payload = {ERASE_CODES} WHERE id = ?",
            [time_text(at), rows[0]["id"]],
        )
        return _message(rows[0])

    def relayed_message(self, message_id: str) -> OutboxMessage | None:
        """A message handed to the centre (or about to be again), by its message id."""
        for row in self.db.query(
            "SELECT * FROM outbox WHERE message_id = ? AND status IN ('relayed', 'pending')",
            [message_id],
        ):
            return _message(row)
        return None

    def requeue_unconfirmed_relays(self, before: datetime, max_attempts: int) -> int:
        """Relayed messages the centre never confirmed go out again, up to the tries allowed
        (then they fail, as a message no provider took); returns how many went back."""
        self.db.execute(
            "UPDATE outbox SET status = 'failed', last_error = 'the centre never confirmed it' "
            "WHERE status = 'relayed' AND sent_at < ? AND attempts >= ?",
            [time_text(before), max_attempts],
        )
        return self.db.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'relayed' AND sent_at < ?",
            [time_text(before)],
        ).rowcount

    def message_to_retry(self, outbox_id: int, error: str, next_at: datetime) -> None:
        """The try failed for now: pending again at `next_at`."""
        self.db.execute(
            "UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ? "
            "WHERE id = ?",
            [error, time_text(next_at), outbox_id],
        )

    def message_failed(self, outbox_id: int, error: str) -> None:
        """No more tries: failed. The code stays until the parcel leaves, for a resend."""
        self.db.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
            [error, outbox_id],
        )

    def message_again(self, outbox_id: int, at: datetime) -> None:
        """A failed message goes out again from its first try (an admin's resend)."""
        self.db.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? "
            "WHERE id = ? AND status = 'failed'",
            [time_text(at), outbox_id],
        )

    def resume_interrupted_messages(self) -> int:
        """Tries cut short by a crash go back to pending; returns how many."""
        return self.db.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
        ).rowcount

    def sms_count_since(self, phone: str, since: datetime) -> int:
        """SMS sent, or being sent, to a phone since a moment."""
        row = next(
            self.db.query(
                "SELECT COUNT(*) AS n FROM outbox WHERE channel = 'sms' AND recipient = ? "
                "AND ((status IN ('sent', 'relayed') AND sent_at >= ?) OR status = 'sending')",
                [phone, time_text(since)],
            )
        )
        return int(row["n"])

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox message as a row, oldest first."""
        return list(self.db.query("SELECT * FROM outbox ORDER BY id"))
