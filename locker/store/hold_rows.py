"""Carriers' holds on doors, in their own table: the compartments they count stay `free`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from locker.domain.holds import Hold, HoldEnd
from locker.domain.models import Size
from locker.store.codec import parse_time, time_text


def _hold(row: dict[str, Any]) -> Hold:
    return Hold(
        hold_id=row["hold_id"],
        carrier=row["carrier"],
        size=Size(row["size"]),
        count=row["count"],
        expires_at=datetime.fromisoformat(row["expires_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        used=row["used"],
        ended_at=parse_time(row["ended_at"]),
        ended_how=HoldEnd(row["ended_how"]) if row["ended_how"] else None,
    )


class HoldRows:
    """Holds placed, used, and ended."""

    db: sqlite_utils.Database

    def add_hold(self, hold: Hold) -> None:
        """Store a new hold."""
        self.db.execute(
            "INSERT INTO holds (hold_id, carrier, size, count, used, expires_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                hold.hold_id,
                hold.carrier,
                hold.size.value,
                hold.count,
                hold.used,
                time_text(hold.expires_at),
                time_text(hold.created_at),
            ],
        )

    def hold(self, hold_id: str) -> Hold | None:
        """One hold by its id, ended or not."""
        for row in self.db.query("SELECT * FROM holds WHERE hold_id = ?", [hold_id]):
            return _hold(row)
        return None

    def open_holds(self) -> Sequence[Hold]:
        """Holds whose end is not recorded yet (some may have lapsed), oldest first."""
        return [
            _hold(row)
            for row in self.db.query(
                "SELECT * FROM holds WHERE ended_at IS NULL ORDER BY created_at, hold_id"
            )
        ]

    def count_hold_use(self, hold_id: str) -> None:
        """One more of the hold's doors was taken by its carrier's courier."""
        self.db.execute("UPDATE holds SET used = used + 1 WHERE hold_id = ?", [hold_id])

    def end_hold(self, hold_id: str, how: HoldEnd, at: datetime) -> None:
        """Record how and when a hold ended; an ended hold keeps its first end."""
        self.db.execute(
            "UPDATE holds SET ended_at = ?, ended_how = ? WHERE hold_id = ? AND ended_at IS NULL",
            [time_text(at), how.value, hold_id],
        )
