"""Writers of one thing taken in turn, so that a "read, then write if absent" is race-free.

PostgreSQL: a transaction-scoped advisory lock named after the thing. SQLite: the transaction
becomes the database's one writer before it reads (its reads otherwise run outside any
transaction, and two writers could both find nothing and both insert).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

# A write that changes nothing, yet makes this transaction SQLite's writer.
_SQLITE_TAKE_WRITE = text("UPDATE schema_version SET version = version WHERE 0")


def lock_key(connection: Connection, key: str) -> None:
    """Hold the lock named `key` (on SQLite, the whole database) until the transaction ends."""
    if connection.dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        connection.execute(select(func.pg_advisory_xact_lock(number)))
    elif connection.dialect.name == "sqlite":
        connection.execute(_SQLITE_TAKE_WRITE)
