"""The request's use-case context: one store connection per request, or per server thread."""

from __future__ import annotations

import sqlite3
import threading

from flask import Flask, current_app, g

from locker.composition.context import build_context, open_store
from locker.config import Settings
from locker.services.context import LockerContext
from locker.store import SqliteStore, StoreError

POOL = "locker_stores"


class StorePool:
    """One store per server thread, opened on its first request and kept for the next ones.

    Opening a store takes the database folder's lock and checks the migrations, which under
    load cost more than the page itself; a server's threads live as long as it does.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._mine = threading.local()
        self._open: list[SqliteStore] = []
        self._lock = threading.Lock()
        self._closed = False

    def take(self) -> SqliteStore:
        """This thread's store, opened now if it has none."""
        store: SqliteStore | None = getattr(self._mine, "store", None)
        if store is None:
            store = open_store(self._settings)
            with self._lock:
                if self._closed:
                    store.close()
                    raise StoreError("the locker is stopping")
                self._open.append(store)
            self._mine.store = store
        return store

    def give_back(self, store: SqliteStore, error: BaseException | None) -> None:
        """Keep the store for this thread's next request, clean; a broken one is closed."""
        if isinstance(error, (sqlite3.Error, StoreError)):
            self._forget(store)
            return
        try:
            if store.db.conn.in_transaction:
                store.db.conn.execute("ROLLBACK")
        except sqlite3.Error:
            self._forget(store)

    def open_count(self) -> int:
        """How many stores are open: at most one per thread that has served a request."""
        with self._lock:
            return len(self._open)

    def close(self) -> None:
        """Close every store; a request after this is refused."""
        with self._lock:
            self._closed = True
            stores, self._open = self._open, []
        for store in stores:
            store.close()

    def _forget(self, store: SqliteStore) -> None:
        self._mine.store = None
        with self._lock:
            if store in self._open:
                self._open.remove(store)
        store.close()


def locker_ctx() -> LockerContext:
    """The request's use-case context; its store is taken once per request and given back after."""
    if "locker_ctx" not in g:
        settings: Settings = current_app.config["LOCKER_SETTINGS"]
        pool: StorePool | None = current_app.extensions.get(POOL)
        g.locker_ctx = build_context(
            settings,
            pool.take() if pool is not None else open_store(settings),
            current_app.extensions["locker_board"],
            current_app.extensions["locker_channels"],
        )
        if current_app.extensions["locker_clock"] is not None:
            g.locker_ctx.clock = current_app.extensions["locker_clock"]
    ctx: LockerContext = g.locker_ctx
    return ctx


def close_request_context(app: Flask, stores: StorePool | None = None) -> None:
    """Give the request's store back to the pool when its app context ends, or close it."""
    app.extensions[POOL] = stores

    @app.teardown_appcontext
    def _close_store(error: BaseException | None) -> None:
        ctx = g.pop("locker_ctx", None)
        if ctx is None:
            return
        if stores is None:
            ctx.store.close()
        else:
            stores.give_back(ctx.store, error)
