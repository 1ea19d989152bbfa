"""The door-operation journal and the failure budgets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from locker.domain.failure_budget import FailureRecord
from locker.ports import DoorOperation
from locker.store.codec import parse_time, time_text


def _operation(row: dict[str, Any]) -> DoorOperation:
    return DoorOperation(
        row["id"],
        row["compartment"],
        row["purpose"],
        row["actor"],
        row["parcel_id"],
        row["outcome"],
        parse_time(row["started_at"]) or datetime.min,
        row["tracking"],
    )


class JournalRows:
    """Queries on door_ops, outbox and failure_budgets."""

    db: sqlite_utils.Database

    def begin_door_operation(
        self,
        compartment: str,
        purpose: str,
        actor: str,
        parcel_id: int | None,
        at: datetime,
        tracking: str | None = None,
    ) -> int:
        """Journal a door command before it is sent; returns its id."""
        cursor = self.db.execute(
            "INSERT INTO door_ops (compartment, purpose, actor, parcel_id, started_at, tracking) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [compartment, purpose, actor, parcel_id, time_text(at), tracking],
        )
        return int(cursor.lastrowid or 0)

    def door_operation_in_flight(
        self,
        compartment: str | None = None,
        parcel_id: int | None = None,
        tracking: str | None = None,
    ) -> DoorOperation | None:
        """The pending door command for this door, parcel or deposit, if one is in flight."""
        for row in self.db.query(
            "SELECT * FROM door_ops WHERE outcome = 'pending' "
            "AND (compartment = ? OR parcel_id = ? OR tracking = ?) ORDER BY id LIMIT 1",
            [compartment, parcel_id, tracking],
        ):
            return _operation(row)
        return None

    def finish_door_operation(self, op_id: int, outcome: str, at: datetime) -> None:
        """Journal the outcome of a door command."""
        self.db.execute(
            "UPDATE door_ops SET outcome = ?, finished_at = ? WHERE id = ?",
            [outcome, time_text(at), op_id],
        )

    def pending_door_operations(self) -> Sequence[DoorOperation]:
        """Door commands whose outcome was never journaled."""
        rows = self.db.query("SELECT * FROM door_ops WHERE outcome = 'pending' ORDER BY id")
        return [_operation(r) for r in rows]

    def last_door_operation(self, compartment: str) -> DoorOperation | None:
        """The newest door command journaled for a compartment."""
        for row in self.db.query(
            "SELECT * FROM door_ops WHERE compartment = ? ORDER BY id DESC LIMIT 1", [compartment]
        ):
            return _operation(row)
        return None

    def door_operations(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest journaled door commands, as rows, each with the tracking number of the
        parcel it concerns (`parcel_tracking`: a deposit's own, or its parcel's)."""
        return list(
            self.db.query(
                "SELECT door_ops.*, COALESCE(door_ops.tracking, parcels.tracking) "
                "AS parcel_tracking FROM door_ops "
                "LEFT JOIN parcels ON parcels.id = door_ops.parcel_id "
                "ORDER BY door_ops.id DESC LIMIT ?",
                [limit],
            )
        )

    def parcel_door_operations(
        self, parcel_id: int, tracking: str, door: str | None, since: datetime | None
    ) -> Sequence[DoorOperation]:
        """The door commands for a parcel, every deposit's for its tracking number, and the
        service openings of its door from `since` on; oldest first."""
        rows = self.db.query(
            "SELECT * FROM door_ops WHERE parcel_id = ? OR tracking = ? "
            "OR (compartment = ? AND parcel_id IS NULL AND tracking IS NULL AND started_at >= ?) "
            "ORDER BY id",
            [parcel_id, tracking, door, time_text(since)],
        )
        return [_operation(r) for r in rows]

    def failure_record(self, key: str) -> FailureRecord:
        """The failure record of one budget ('keypad', 'courier:<id>', 'admin:<name>')."""
        for row in self.db.query("SELECT * FROM failure_budgets WHERE key = ?", [key]):
            failures = tuple(datetime.fromisoformat(t) for t in json.loads(row["failures"]))
            return FailureRecord(
                failures,
                row["lockouts"],
                parse_time(row["locked_until"]),
                parse_time(row["last_failure"]),
            )
        return FailureRecord()

    def save_failure_record(self, key: str, record: FailureRecord) -> None:
        """Store the failure record of one budget."""
        self.db.execute(
            "INSERT INTO failure_budgets (key, failures, lockouts, locked_until, last_failure) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
            "failures = excluded.failures, lockouts = excluded.lockouts, "
            "locked_until = excluded.locked_until, last_failure = excluded.last_failure",
            [
                key,
                json.dumps([time_text(t) for t in record.failures]),
                record.lockouts,
                time_text(record.locked_until),
                time_text(record.last_failure),
            ],
        )

    def forget_failure_records(self, prefix: str, last_failure_before: datetime) -> int:
        """Delete the budgets named `prefix...` with no failure since a date; returns how many."""
        cursor = self.db.execute(
            "DELETE FROM failure_budgets WHERE substr(key, 1, length(?)) = ? "
            "AND (last_failure IS NULL OR last_failure < ?)",
            [prefix, prefix, time_text(last_failure_before)],
        )
        return cursor.rowcount
