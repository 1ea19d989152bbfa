"""The append-only, hash-chained audit log in the store."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from locker.domain.audit_chain import AuditRecord, seal
from locker.store.codec import time_text


def _record(row: dict[str, Any]) -> AuditRecord:
    return AuditRecord(
        row["seq"],
        row["at"],
        row["actor"],
        row["action"],
        row["subject"],
        json.loads(row["details"]),
        row["prev_hash"],
        row["hash"],
    )


class AuditRows:
    """Appends to and reads the audit_log table; the locker row keeps the chain's head."""

    db: sqlite_utils.Database

    def append_audit(
        self, actor: str, action: str, subject: str, details: Mapping[str, Any], at: datetime
    ) -> AuditRecord:
        """Seal and append one record, and move the head, in the caller's transaction."""
        previous = None
        for row in self.db.query("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1"):
            previous = _record(row)
        record = seal(previous, time_text(at) or "", actor, action, subject, details)
        self.db.execute(
            "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.seq,
                record.at,
                record.actor,
                record.action,
                record.subject,
                json.dumps(dict(record.details), sort_keys=True, ensure_ascii=False),
                record.prev_hash,
                record.hash,
            ],
        )
        self.db.execute(
            "UPDATE locker SET audit_head_seq = ?, audit_head_hash = ? WHERE key = 1",
            [record.seq, record.hash],
        )
        return record

    def audit_records(self) -> Iterator[AuditRecord]:
        """The audit log in stored order (rowid), so that reordering shows."""
        for row in self.db.query("SELECT * FROM audit_log ORDER BY rowid"):
            yield _record(row)

    def parcel_audit_records(
        self, parcel_id: int, tracking: str, door: str | None, since: datetime | None
    ) -> Sequence[AuditRecord]:
        """The records naming a parcel (by id, or its tracking number), and those about its door
        from `since` on, in stored order; another parcel's with the same tracking number or door
        come too, for the caller to drop."""
        rows = self.db.query(
            "SELECT * FROM audit_log WHERE subject = ? "
            "OR json_extract(details, '$.parcel_id') = ? "
            "OR json_extract(details, '$.parcel_inside.parcel_id') = ? "
            "OR json_extract(details, '$.tracking') = ? "
            "OR (subject = ? AND at >= ?) ORDER BY rowid",
            [tracking, parcel_id, parcel_id, tracking, door, time_text(since)],
        )
        return [_record(r) for r in rows]

    def audit_head(self) -> tuple[int, str] | None:
        """The (seq, hash) recorded with the last append."""
        for row in self.db.query("SELECT audit_head_seq, audit_head_hash FROM locker"):
            if row["audit_head_hash"]:
                return int(row["audit_head_seq"]), str(row["audit_head_hash"])
        return None
