"""Courier and admin accounts in the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlite_utils

from locker.domain.courier_ids import FIRST_FLEET_ID, LAST_LOCAL_ID, is_fleet_id
from locker.domain.fleet_courier import FleetCourier
from locker.domain.models import Courier
from locker.store.codec import courier_from_row, parse_time, time_text
from locker.store.errors import StoreError


class PeopleRows:
    """Queries on the couriers and admins tables."""

    db: sqlite_utils.Database

    def add_courier(self, carrier: str, name: str, pin_hash: str, at: datetime) -> Courier:
        """Create an active courier account of this locker's own, numbered below the fleet's.

        The id is given here: SQLite would number past the highest row, a fleet courier's.
        """
        cursor = self.db.execute(
            "INSERT INTO couriers (id, carrier, name, pin_hash, created_at) "
            "SELECT next_id, ?, ?, ?, ? FROM "
            "(SELECT COALESCE(MAX(id), 0) + 1 AS next_id FROM couriers WHERE id < ?) "
            "WHERE next_id <= ?",
            [carrier, name, pin_hash, time_text(at), FIRST_FLEET_ID, LAST_LOCAL_ID],
        )
        if cursor.rowcount != 1:
            raise StoreError(f"this locker has no courier id left up to {LAST_LOCAL_ID}")
        courier = self.courier(int(cursor.lastrowid or 0))
        assert courier is not None
        return courier

    def fleet_courier(self, courier_id: int) -> FleetCourier | None:
        """A fleet courier's account as this locker holds it; None for its own or no courier."""
        for row in self.db.query(
            "SELECT * FROM couriers WHERE id = ? AND fleet_revision IS NOT NULL", [courier_id]
        ):
            return FleetCourier(
                id=row["id"],
                carrier=row["carrier"],
                name=row["name"],
                pin_hash=row["pin_hash"],
                badge_hash=row["badge_token_hash"],
                badge_issued_at=parse_time(row["badge_issued_at"]),
                active=bool(row["active"]),
                revision=row["fleet_revision"],
            )
        return None

    def put_fleet_courier(self, courier: FleetCourier, at: datetime) -> None:
        """Store a fleet courier's account, new or from a later revision; the badge changes
        only when the grant carries one. The locker's own courier is never overwritten."""
        if not is_fleet_id(courier.id):
            raise StoreError(f"courier {courier.id} is not a fleet id")
        cursor = self.db.execute(
            """
            INSERT INTO couriers (id, carrier, name, pin_hash, badge_token_hash, badge_issued_at,
                                  active, created_at, fleet_revision)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                carrier = excluded.carrier,
                name = excluded.name,
                pin_hash = excluded.pin_hash,
                badge_token_hash = COALESCE(excluded.badge_token_hash, badge_token_hash),
                badge_issued_at = COALESCE(excluded.badge_issued_at, badge_issued_at),
                active = excluded.active,
                fleet_revision = excluded.fleet_revision
            WHERE couriers.fleet_revision IS NOT NULL
            """,
            [
                courier.id,
                courier.carrier,
                courier.name,
                courier.pin_hash,
                courier.badge_hash,
                time_text(courier.badge_issued_at),
                int(courier.active),
                time_text(at),
                courier.revision,
            ],
        )
        if cursor.rowcount != 1:
            raise StoreError(f"courier {courier.id} is this locker's own courier")

    def courier(self, courier_id: int) -> Courier | None:
        """One courier account."""
        for row in self.db.query("SELECT * FROM couriers WHERE id = ?", [courier_id]):
            return courier_from_row(row)
        return None

    def couriers(self) -> Sequence[Courier]:
        """Every courier account."""
        return [courier_from_row(r) for r in self.db.query("SELECT * FROM couriers ORDER BY id")]

    def _active_courier_column(self, courier_id: int, column: str) -> str | None:
        for row in self.db.query(
            f"SELECT {column} AS value FROM couriers WHERE id = ? AND active = 1", [courier_id]
        ):
            return str(row["value"]) if row["value"] is not None else None
        return None

    def courier_pin_hash(self, courier_id: int) -> str | None:
        """The stored PIN hash of an active courier."""
        return self._active_courier_column(courier_id, "pin_hash")

    def courier_badge_hash(self, courier_id: int) -> str | None:
        """The stored badge-token hash of an active courier."""
        return self._active_courier_column(courier_id, "badge_token_hash")

    def courier_badge_issued_at(self, courier_id: int) -> datetime | None:
        """When an active courier's current badge was issued."""
        return parse_time(self._active_courier_column(courier_id, "badge_issued_at"))

    def set_courier_badge(self, courier_id: int, token_hash: str, at: datetime) -> None:
        """Store a courier's new badge, issued at `at`, revoking the old one."""
        self.db.execute(
            "UPDATE couriers SET badge_token_hash = ?, badge_issued_at = ? WHERE id = ?",
            [token_hash, time_text(at), courier_id],
        )

    def courier_session_version(self, courier_id: int) -> int | None:
        """The session version of an active courier; None for an unknown or disabled one."""
        version = self._active_courier_column(courier_id, "session_version")
        return None if version is None else int(version)

    def bump_courier_session(self, courier_id: int) -> None:
        """End every session of a courier: the sessions hold the version before this."""
        self.db.execute(
            "UPDATE couriers SET session_version = session_version + 1 WHERE id = ?", [courier_id]
        )

    def set_courier_pin(self, courier_id: int, pin_hash: str) -> None:
        """Store a courier's new PIN hash."""
        self.db.execute("UPDATE couriers SET pin_hash = ? WHERE id = ?", [pin_hash, courier_id])

    def set_courier_active(self, courier_id: int, active: bool) -> None:
        """Enable or disable a courier account."""
        self.db.execute("UPDATE couriers SET active = ? WHERE id = ?", [int(active), courier_id])

    def add_admin(self, username: str, password_hash: str, at: datetime) -> None:
        """Create an admin account; a taken username raises StoreError."""
        if self.admin_password_hash(username) is not None:
            raise StoreError(f"there is already an admin called {username!r}")
        self.db.execute(
            "INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)",
            [username, password_hash, time_text(at)],
        )

    def admin_password_hash(self, username: str) -> str | None:
        """An admin's stored password hash."""
        for row in self.db.query("SELECT password_hash FROM admins WHERE username = ?", [username]):
            return str(row["password_hash"])
        return None

    def admin_session_version(self, username: str) -> int | None:
        """The session version of an admin; None when there is no such admin."""
        for row in self.db.query(
            "SELECT session_version FROM admins WHERE username = ?", [username]
        ):
            return int(row["session_version"])
        return None

    def bump_admin_session(self, username: str) -> None:
        """End every session of an admin: the sessions hold the version before this."""
        self.db.execute(
            "UPDATE admins SET session_version = session_version + 1 WHERE username = ?",
            [username],
        )

    def set_admin_password(self, username: str, password_hash: str) -> None:
        """Store an admin's new password hash; an unknown admin raises StoreError."""
        cursor = self.db.execute(
            "UPDATE admins SET password_hash = ? WHERE username = ?", [password_hash, username]
        )
        if cursor.rowcount != 1:
            raise StoreError(f"there is no admin called {username!r}")
