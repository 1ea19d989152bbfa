"""Opening the SQLite file with the pragmas the locker relies on, and write transactions."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlite_utils

from locker.store.file_modes import make_private, make_private_folder, private_umask

DEFAULT_BUSY_TIMEOUT_S = 5.0


def connect(
    path: str | Path, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
) -> sqlite_utils.Database:
    """Open (creating if need be) the database in WAL mode with foreign keys enforced."""
    path = Path(path)
    creating = str(path) != ":memory:" and not path.exists()
    if creating:
        make_private_folder(path.parent)
    # isolation_level=None: no implicit transactions; every write goes through immediate().
    with private_umask() if creating else nullcontext():
        conn = sqlite3.connect(
            str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
    if creating:
        make_private(path)  # whatever the umask was; the WAL and SHM files copy this mode
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # FULL, not WAL's usual NORMAL: an acknowledged deposit or door journal entry must survive
    # a power cut, so every commit fsyncs the log before it returns.
    conn.execute("PRAGMA synchronous = FULL")
    return sqlite_utils.Database(conn, execute_plugins=False)


@contextmanager
def opening_lock(path: str | Path) -> Iterator[None]:
    """Held while a process opens and migrates the database: two processes that create one
    new file at once would otherwise both set it up and one fail on a locked or existing table.

    The lock is on the database's folder (flock), never on the file, whose own locks are
    SQLite's (fcntl), and ends with the process if it dies holding it.
    """
    if str(path) == ":memory:":
        yield
        return
    folder = Path(path).parent
    if not folder.exists():
        make_private_folder(folder)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock_for(path: str | Path) -> threading.Lock:
    """One lock per database file, shared by every connection to it in this process.

    SQLite's busy handler polls with sleeps, so under contention a writer can starve past the
    busy timeout. Queueing this process's writers on a lock first leaves the busy handler to
    arbitrate only between processes.
    """
    key = str(Path(path).resolve()) if str(path) != ":memory:" else f":memory:{id(path)}"
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


class WriteTimeoutError(sqlite3.OperationalError):
    """Another writer held the database for longer than the busy timeout."""


@contextmanager
def immediate(
    db: sqlite_utils.Database, lock: threading.Lock, timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
) -> Iterator[None]:
    """A write transaction taken with BEGIN IMMEDIATE, or a savepoint inside one."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    if not lock.acquire(timeout=timeout_s):
        raise WriteTimeoutError(f"the database stayed busy for {timeout_s:.0f} s")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        lock.release()
