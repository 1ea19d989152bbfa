"""The SQLite store: one connection, the migrations, and every query module."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from locker.ports import LockerInfo
from locker.store.audit_rows import AuditRows
from locker.store.codec import time_text
from locker.store.connection import (
    DEFAULT_BUSY_TIMEOUT_S,
    connect,
    immediate,
    opening_lock,
    write_lock_for,
)
from locker.store.errors import StoreError
from locker.store.expected_rows import ExpectedRows
from locker.store.file_modes import make_private, make_private_folder, private_umask
from locker.store.hold_rows import HoldRows
from locker.store.journal_rows import JournalRows
from locker.store.layout_rows import LayoutRows
from locker.store.migrations import apply_migrations
from locker.store.outbox_rows import OutboxRows
from locker.store.parcel_rows import ParcelRows
from locker.store.people_rows import PeopleRows
from locker.store.uplink_rows import UplinkRows

__all__ = ["SqliteStore", "StoreError"]


class SqliteStore(
    LayoutRows,
    ParcelRows,
    ExpectedRows,
    PeopleRows,
    JournalRows,
    OutboxRows,
    AuditRows,
    UplinkRows,
    HoldRows,
):
    """The locker's store on one SQLite file; open one per thread."""

    def __init__(self, path: str | Path, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        with opening_lock(self.path):
            try:
                self.db = connect(self.path, busy_timeout_s)
            except sqlite3.DatabaseError as error:
                raise StoreError(f"{self.path} is not a locker database: {error}") from None
            self._busy_timeout_s = busy_timeout_s
            self._write_lock = write_lock_for(self.path)
            self.migrated = apply_migrations(self.db)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction, taken with BEGIN IMMEDIATE; nests as a savepoint."""
        return immediate(self.db, self._write_lock, self._busy_timeout_s)

    def is_initialised(self) -> bool:
        """True once `locker init` has stored the locker's identity."""
        return bool(list(self.db.query("SELECT key FROM locker")))

    def initialise(
        self, locker_id: str, name: str, address: str, secret: bytes, at: datetime
    ) -> None:
        """Store the locker's identity and secret once; a second call raises StoreError."""
        with self.transaction():
            if self.is_initialised():
                raise StoreError(
                    f"{self.path} already holds locker {self.locker().locker_id}: "
                    "refusing to overwrite its secret"
                )
            self.db.execute(
                "INSERT INTO locker (key, locker_id, name, address, secret, created_at) "
                "VALUES (1, ?, ?, ?, ?, ?)",
                [locker_id, name, address, secret.hex(), time_text(at)],
            )

    def locker(self) -> LockerInfo:
        """The locker's identity and secret; StoreError before `locker init`."""
        for row in self.db.query("SELECT * FROM locker WHERE key = 1"):
            return LockerInfo(
                row["locker_id"], row["name"], row["address"], bytes.fromhex(row["secret"])
            )
        raise StoreError(f"{self.path} holds no locker yet: run `locker init` first")

    def backup(self, destination: str | Path) -> None:
        """Copy the live database with SQLite's online backup API."""
        destination = Path(destination)
        if destination.exists():
            raise StoreError(f"{destination} exists already: choose a new file")
        make_private_folder(destination.parent)
        # The copy holds the locker's secret like the database itself.
        with private_umask():
            target = sqlite3.connect(str(destination))
        try:
            make_private(destination)
            self.db.conn.backup(target)
        finally:
            target.close()
