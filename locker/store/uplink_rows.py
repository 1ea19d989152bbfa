"""The uplink's rows: how far the centre has stored the audit log, and command nonces seen."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlite_utils

from locker.domain.audit_chain import AuditRecord
from locker.store.codec import time_text


class UplinkRows:
    """The centre's acknowledged cursor over the audit log, and the replay guard for commands."""

    db: sqlite_utils.Database

    def uplink_acked_seq(self) -> int:
        """The highest audit sequence number the centre has stored with none missing below."""
        for row in self.db.query("SELECT acked_seq FROM uplink WHERE key = 1"):
            return int(row["acked_seq"])
        return 0

    def move_uplink_ack(self, seq: int) -> int:
        """Move the cursor forward to `seq` (never back, never past the log's end); the result."""
        self.db.execute(
            "UPDATE uplink SET acked_seq = MAX(acked_seq, MIN(?, "
            "(SELECT COALESCE(MAX(seq), 0) FROM audit_log))) WHERE key = 1",
            [seq],
        )
        return self.uplink_acked_seq()

    def rewind_uplink_ack(self, seq: int) -> int:
        """Move the cursor back to `seq` (the centre asked for events again); the result."""
        self.db.execute(
            "UPDATE uplink SET acked_seq = MAX(0, MIN(acked_seq, ?)) WHERE key = 1", [seq]
        )
        return self.uplink_acked_seq()

    def audit_records_after(self, seq: int, limit: int) -> list[AuditRecord]:
        """Up to `limit` audit records after `seq`, oldest first."""
        rows = self.db.query(
            "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", [seq, limit]
        )
        return [
            AuditRecord(
                row["seq"],
                row["at"],
                row["actor"],
                row["action"],
                row["subject"],
                json.loads(row["details"]),
                row["prev_hash"],
                row["hash"],
            )
            for row in rows
        ]

    def remember_command(
        self, nonce: str, forget_after: int, action: str, operator: str, now: datetime
    ) -> bool:
        """Record a command's nonce; False when it was seen before (a replay).

        Nonces are kept past their command's expiry (`forget_after`), so a replay is refused
        by the nonce while it would still pass the time check.
        """
        self.db.execute(
            "DELETE FROM remote_commands WHERE forget_after < ? AND "
            "(result IS NULL OR published = 1)",
            [int(now.timestamp())],
        )
        try:
            self.db.execute(
                "INSERT INTO remote_commands (nonce, forget_after, action, operator, received_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [nonce, forget_after, action, operator, time_text(now)],
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def record_command_result(self, nonce: str, result: Mapping[str, Any]) -> None:
        """Keep a command's final result before it is published, to publish again if lost."""
        self.db.execute(
            "UPDATE remote_commands SET result = ?, published = 0 WHERE nonce = ?",
            [json.dumps(dict(result), sort_keys=True, ensure_ascii=False), nonce],
        )

    def unpublished_command_results(self) -> list[dict[str, Any]]:
        """Final results the centre may not have seen yet, oldest first."""
        rows = self.db.query(
            "SELECT result FROM remote_commands WHERE result IS NOT NULL AND published = 0 "
            "ORDER BY received_at"
        )
        return [json.loads(row["result"]) for row in rows]

    def mark_command_result_published(self, nonce: str) -> None:
        """The broker has the result: it need not go again."""
        self.db.execute("UPDATE remote_commands SET published = 1 WHERE nonce = ?", [nonce])

    def count_audit_since(self, action: str, actor_prefix: str, since: datetime) -> int:
        """How many audit records of `action` by actors starting `actor_prefix` since a time."""
        for row in self.db.query(
            "SELECT COUNT(*) AS n FROM audit_log "
            "WHERE action = ? AND substr(actor, 1, ?) = ? AND at >= ?",
            [action, len(actor_prefix), actor_prefix, time_text(since)],
        ):
            return int(row["n"])
        return 0
