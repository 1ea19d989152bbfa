"""SQLite adapter: the locker's local store, usable with the network down."""

from locker.store.sqlite_store import SqliteStore, StoreError

__all__ = ["SqliteStore", "StoreError"]
