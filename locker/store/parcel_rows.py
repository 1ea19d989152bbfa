"""Parcels in the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlite_utils

from locker.domain.models import Parcel, Size
from locker.domain.states import ParcelState
from locker.store.codec import parcel_from_row, time_text

_FINISHED = ("collected", "returned", "cancelled")


class ParcelRows:
    """Queries on the parcels table."""

    db: sqlite_utils.Database

    def add_parcel(
        self,
        *,
        tracking: str,
        carrier: str,
        state: ParcelState,
        compartment: str | None,
        recipient_phone: str | None,
        needs_low: bool,
        size: Size | None,
        code_hash: str | None,
        deposited_at: datetime | None,
        expires_at: datetime | None,
        courier_id: int | None,
        created_at: datetime,
        recipient_email: str | None = None,
        language: str | None = None,
    ) -> Parcel:
        """Insert a parcel and return it with its id."""
        cursor = self.db.execute(
            "INSERT INTO parcels (tracking, carrier, state, compartment, recipient_phone, "
            "needs_low, size, code_hash, created_at, deposited_at, expires_at, courier_id, "
            "recipient_email, language) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                tracking,
                carrier,
                state.value,
                compartment,
                recipient_phone,
                int(needs_low),
                size.value if size else None,
                code_hash,
                time_text(created_at),
                time_text(deposited_at),
                time_text(expires_at),
                courier_id,
                recipient_email,
                language,
            ],
        )
        parcel = self.parcel(int(cursor.lastrowid or 0))
        assert parcel is not None
        return parcel

    def _one(self, sql: str, params: list[object]) -> Parcel | None:
        for row in self.db.query(sql, params):
            return parcel_from_row(row)
        return None

    def parcel(self, parcel_id: int) -> Parcel | None:
        """One parcel by id."""
        return self._one("SELECT * FROM parcels WHERE id = ?", [parcel_id])

    def parcel_by_code_hash(self, code_hash: str) -> Parcel | None:
        """The parcel holding this code hash: a deposited one first, else the newest."""
        return self._one(
            "SELECT * FROM parcels WHERE code_hash = ? "
            "ORDER BY state = 'deposited' DESC, id DESC LIMIT 1",
            [code_hash],
        )

    def parcel_by_tracking(self, tracking: str, carrier: str | None = None) -> Parcel | None:
        """The newest parcel with this tracking number (of this carrier), a pre-advice aside:
        a parcel only announced is not in the locker, and may be another carrier's number."""
        mine = "AND carrier = ? " if carrier is not None else ""
        return self._one(
            f"SELECT * FROM parcels WHERE tracking = ? AND state != 'expected' {mine}"
            "ORDER BY id DESC LIMIT 1",
            [tracking] if carrier is None else [tracking, carrier],
        )

    def parcel_in(self, compartment: str) -> Parcel | None:
        """The parcel physically inside a compartment, if any."""
        return self._one(
            "SELECT * FROM parcels WHERE compartment = ? "
            "AND state IN ('deposited', 'expired', 'disputed')",
            [compartment],
        )

    def parcels(self, states: frozenset[ParcelState] | None = None) -> Sequence[Parcel]:
        """Parcels, newest first, optionally only in some states."""
        if states is None:
            rows = self.db.query("SELECT * FROM parcels ORDER BY id DESC")
        else:
            values = sorted(s.value for s in states)
            rows = self.db.query(
                f"SELECT * FROM parcels WHERE state IN ({','.join('?' * len(values))}) "
                "ORDER BY id DESC",
                values,
            )
        return [parcel_from_row(r) for r in rows]

    def search_parcels(
        self,
        *,
        tracking: str | None,
        tracking_part: bool,
        phone_end: str | None,
        door: str | None,
        limit: int,
    ) -> Sequence[Parcel]:
        """Parcels whose tracking number is (or, with `tracking_part`, holds) `tracking`, whose
        phone ends in `phone_end`, or that were put in `door`; newest first."""
        matches, params = [], []
        if tracking is not None:
            matches.append("instr(tracking, ?) > 0" if tracking_part else "tracking = ?")
            params.append(tracking)
        if phone_end is not None:
            matches.append("substr(recipient_phone, -4) = ?")
            params.append(phone_end)
        if door is not None:
            matches.append("compartment = ?")
            params.append(door)
        if not matches:
            return []
        rows = self.db.query(
            f"SELECT * FROM parcels WHERE {' OR '.join(matches)} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [parcel_from_row(r) for r in rows]

    def live_code_hashes(self) -> frozenset[str]:
        """Hashes of the codes that deposited parcels hold now."""
        rows = self.db.query(
            "SELECT code_hash FROM parcels WHERE state = 'deposited' AND code_hash IS NOT NULL"
        )
        return frozenset(r["code_hash"] for r in rows)

    def set_parcel_state(self, parcel_id: int, state: ParcelState, at: datetime) -> None:
        """Store a parcel's state; the caller checked the move against the table."""
        finished = time_text(at) if state.value in _FINISHED else None
        deposited = time_text(at) if state is ParcelState.DEPOSITED else None
        self.db.execute(
            "UPDATE parcels SET state = ?, finished_at = COALESCE(?, finished_at), "
            "deposited_at = COALESCE(deposited_at, ?) WHERE id = ?",
            [state.value, finished, deposited, parcel_id],
        )

    def set_parcel_code(self, parcel_id: int, code_hash: str, expires_at: datetime) -> int:
        """Give the parcel a new code; the old code and QR stop working. Returns the serial."""
        self.db.execute(
            "UPDATE parcels SET code_hash = ?, code_serial = code_serial + 1, expires_at = ? "
            "WHERE id = ?",
            [code_hash, time_text(expires_at), parcel_id],
        )
        parcel = self.parcel(parcel_id)
        assert parcel is not None
        return parcel.code_serial

    def set_parcel_deadline(
        self, parcel_id: int, notified_at: datetime | None, expires_at: datetime
    ) -> None:
        """When the recipient was told (None: not yet) and the deadline that follows."""
        self.db.execute(
            "UPDATE parcels SET notified_at = ?, expires_at = ? WHERE id = ?",
            [time_text(notified_at), time_text(expires_at), parcel_id],
        )

    def set_shut_in(self, parcel_id: int, at: datetime) -> None:
        """The board first reported the parcel's door shut on it."""
        self.db.execute(
            "UPDATE parcels SET shut_in_at = ? WHERE id = ?", [time_text(at), parcel_id]
        )

    def set_undo_requested(self, parcel_id: int, at: datetime | None) -> None:
        """Mark (or, with None, unmark) a deposit the courier asked to undo."""
        self.db.execute(
            "UPDATE parcels SET undo_requested_at = ? WHERE id = ?", [time_text(at), parcel_id]
        )

    def purge_personal_data(self, finished_before: datetime) -> int:
        """Erase phone numbers of parcels finished before a date; returns how many."""
        cursor = self.db.execute(
            "UPDATE parcels SET recipient_phone = NULL WHERE recipient_phone IS NOT NULL "
            "AND finished_at IS NOT NULL AND finished_at < ?",
            [time_text(finished_before)],
        )
        self.db.execute(
            "UPDATE outbox SET recipient = NULL WHERE recipient IS NOT NULL AND parcel_id IN "
            "(SELECT id FROM parcels WHERE recipient_phone IS NULL)"
        )
        return cursor.rowcount
