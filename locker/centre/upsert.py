"""Inserts that skip rows already there, in the dialect at hand (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert


def insert_new(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows whose primary key is not taken yet; the others are left as they are."""
    if not rows:
        return
    connection.execute(_insert_skipping_taken(connection, table), list(rows))


def insert_if_new(connection: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert the row unless its primary key is taken; whether it was inserted. Of two
    transactions inserting one key at once, one gets True, the other (once the first has
    committed) False, never a unique-key error."""
    # An INSERT's row count is kept only when asked for (SQLAlchemy keeps UPDATE's and DELETE's).
    insert = _insert_skipping_taken(connection, table).execution_options(preserve_rowcount=True)
    return connection.execute(insert, row).rowcount == 1


def _insert_skipping_taken(connection: Connection, table: Table) -> Insert:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()
