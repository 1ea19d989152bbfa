"""The uplink's rows: how far the centre has stored the audit log, and command nonces seen."""

from __future__ import annotations

import json
import sqlite3

import sqlite_utils

from locker.domain.audit_chain import AuditRecord


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

    def remember_nonce(self, nonce: str, forget_after: int, now: int) -> bool:
        """Record a command's nonce; False when it was seen before (a replay)."""
        self.db.execute("DELETE FROM command_nonces WHERE forget_after < ?", [now])
        try:
            self.db.execute(
                "INSERT INTO command_nonces (nonce, forget_after) VALUES (?, ?)",
                [nonce, forget_after],
            )
        except sqlite3.IntegrityError:
            return False
        return True
