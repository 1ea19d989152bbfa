"""Pre-advised parcels in the store: `expected` rows, kept until a courier moves them in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlite_utils

from locker.domain.models import Parcel, Size
from locker.domain.states import ParcelState
from locker.store.codec import parcel_from_row, time_text


class ExpectedRows:
    """Queries on the parcels table for carriers' pre-advice."""

    db: sqlite_utils.Database

    def _parcel_row(self, parcel_id: int) -> Parcel:
        for row in self.db.query("SELECT * FROM parcels WHERE id = ?", [parcel_id]):
            return parcel_from_row(row)
        raise KeyError(parcel_id)

    def carrier_parcel(self, carrier: str, tracking: str) -> Parcel | None:
        """A carrier's newest parcel with this tracking number."""
        rows = self.db.query(
            "SELECT * FROM parcels WHERE carrier = ? AND tracking = ? ORDER BY id DESC LIMIT 1",
            [carrier, tracking],
        )
        for row in rows:
            return parcel_from_row(row)
        return None

    def add_expected_parcel(
        self,
        *,
        carrier: str,
        tracking: str,
        recipient_phone: str,
        size: Size,
        needs_low: bool,
        language: str | None,
        expected_at: datetime,
        created_at: datetime,
    ) -> Parcel:
        """Insert a pre-advised parcel: no door, no code, no courier yet."""
        cursor = self.db.execute(
            "INSERT INTO parcels (tracking, carrier, state, recipient_phone, needs_low, size, "
            "language, expected_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                tracking,
                carrier,
                ParcelState.EXPECTED.value,
                recipient_phone,
                int(needs_low),
                size.value,
                language,
                time_text(expected_at),
                time_text(created_at),
            ],
        )
        return self._parcel_row(int(cursor.lastrowid or 0))

    def update_expected_parcel(
        self,
        parcel_id: int,
        *,
        recipient_phone: str,
        size: Size,
        needs_low: bool,
        language: str | None,
        expected_at: datetime,
    ) -> None:
        """New details for a parcel that is still expected."""
        self.db.execute(
            "UPDATE parcels SET recipient_phone = ?, size = ?, needs_low = ?, language = ?, "
            "expected_at = ? WHERE id = ? AND state = 'expected'",
            [
                recipient_phone,
                size.value,
                int(needs_low),
                language,
                time_text(expected_at),
                parcel_id,
            ],
        )

    def deposit_expected_parcel(
        self,
        parcel_id: int,
        *,
        state: ParcelState,
        compartment: str,
        recipient_phone: str,
        needs_low: bool,
        size: Size,
        code_hash: str,
        deposited_at: datetime,
        expires_at: datetime,
        courier_id: int,
        recipient_email: str | None,
        language: str | None,
    ) -> Parcel:
        """The expected parcel, put in its door by a courier: the same row, now deposited.

        The caller checked the move against the transition table.
        """
        self.db.execute(
            "UPDATE parcels SET state = ?, compartment = ?, recipient_phone = ?, needs_low = ?, "
            "size = ?, code_hash = ?, deposited_at = ?, expires_at = ?, courier_id = ?, "
            "recipient_email = ?, language = ? WHERE id = ? AND state = 'expected'",
            [
                state.value,
                compartment,
                recipient_phone,
                int(needs_low),
                size.value,
                code_hash,
                time_text(deposited_at),
                time_text(expires_at),
                courier_id,
                recipient_email,
                language,
                parcel_id,
            ],
        )
        return self._parcel_row(parcel_id)

    def expected_parcels_due(self, before: datetime) -> Sequence[Parcel]:
        """Expected parcels whose arrival was due before a time, oldest due first."""
        rows = self.db.query(
            "SELECT * FROM parcels WHERE state = 'expected' AND expected_at < ? "
            "ORDER BY expected_at, id",
            [time_text(before)],
        )
        return [parcel_from_row(r) for r in rows]

    def claim_no_space(self, parcel_id: int, at: datetime, quiet_since: datetime) -> bool:
        """Note that a courier found no room for the parcel; False when that was already noted
        at or after `quiet_since` (the same attempt)."""
        cursor = self.db.execute(
            "UPDATE parcels SET no_space_at = ? WHERE id = ? "
            "AND (no_space_at IS NULL OR no_space_at < ?)",
            [time_text(at), parcel_id, time_text(quiet_since)],
        )
        return cursor.rowcount == 1
