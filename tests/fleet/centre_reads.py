"""What the tests read back: a locker's audit head, and what the centre stored of it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from locker.centre.schema import events
from locker.centre.store import CentreStore
from locker.store import SqliteStore


def head(db: Path) -> int:
    """The locker's last audit sequence number (0 before its database exists)."""
    if not db.exists():
        return 0  # opening it would make an empty database, which the demo refuses
    with SqliteStore(db) as store:
        found = store.audit_head()
        return found[0] if found else 0


def stored(centre_db: str, locker_id: str) -> list[int]:
    """The sequence numbers the centre stored for a locker, in order."""
    store = CentreStore(centre_db)
    try:
        with store.engine.connect() as connection:
            return list(
                connection.execute(
                    select(events.c.seq)
                    .where(events.c.locker_id == locker_id)
                    .order_by(events.c.seq)
                ).scalars()
            )
    finally:
        store.close()


def locker_row(centre_db: str, locker_id: str) -> dict[str, object] | None:
    """The centre's row for a locker, or None before it heard of it."""
    store = CentreStore(centre_db)
    try:
        return next((row for row in store.lockers() if row["locker_id"] == locker_id), None)
    finally:
        store.close()
