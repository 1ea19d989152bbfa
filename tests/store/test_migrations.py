"""The schema upgrades in place: an older database file keeps its data and gains the new tables."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from locker.store import SqliteStore
from locker.store.connection import connect
from locker.store.migrations import apply_migrations, migrations


def test_a_new_database_gets_every_migration_recorded(tmp_path):
    with SqliteStore(tmp_path / "new.db") as store:
        assert store.migrated == [m.name for m in migrations.pending(connect(":memory:"))]
        applied = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
        assert applied == store.migrated


def test_an_older_database_file_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    old = connect(path)
    apply_migrations(old, stop_before="m002_outbox_and_failure_budgets")
    old.execute(
        "INSERT INTO locker (key, locker_id, name, secret, created_at) "
        "VALUES (1, 'OLD-1', 'Old locker', ?, '2025-01-01T00:00:00+00:00')",
        [b"k".hex()],
    )
    old.execute("INSERT INTO buses (name, driver, baud) VALUES ('main', 'kerong', 19200)")
    old.execute(
        "INSERT INTO compartments (label, size, bus, board, channel, state) "
        "VALUES ('A01', 'S', 'main', 0, 1, 'occupied')"
    )
    old.execute(
        "INSERT INTO parcels (tracking, carrier, state, compartment, created_at) "
        "VALUES ('SF1', 'SF', 'deposited', 'A01', '2025-01-01T00:00:00+00:00')"
    )
    old.close()
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "outbox" not in tables

    with SqliteStore(path) as store:
        everything_after_m001 = [m.name for m in migrations.pending(connect(":memory:"))][1:]
        assert store.migrated == everything_after_m001
        assert store.buses()[0].locked_bit == 1
        assert store.locker().locker_id == "OLD-1"
        assert store.parcel_by_tracking("SF1").compartment == "A01"
        assert store.outbox() == []
        assert store.failure_record("keypad").lockouts == 0
    with SqliteStore(path) as again:
        assert again.migrated == []


def test_the_store_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    with SqliteStore(tmp_path / "x.db", busy_timeout_s=3) as store:
        pragma = lambda name: next(store.db.query(f"PRAGMA {name}"))  # noqa: E731
        assert pragma("journal_mode")["journal_mode"] == "wal"
        assert pragma("foreign_keys")["foreign_keys"] == 1
        assert pragma("busy_timeout")["timeout"] == 3000


def test_every_commit_is_on_disk_before_the_store_says_so(tmp_path):
    """synchronous=FULL: in WAL mode a commit fsyncs the log, so a power cut keeps it."""
    with SqliteStore(tmp_path / "x.db") as store:
        assert next(store.db.query("PRAGMA synchronous"))["synchronous"] == 2  # FULL


def test_staff_accounts_gain_session_versions_and_old_badges_a_full_validity(tmp_path):
    path = tmp_path / "old.db"
    old = connect(path)
    apply_migrations(old, stop_before="m004_staff_sessions")
    old.execute(
        "INSERT INTO couriers (carrier, name, pin_hash, badge_token_hash, created_at) "
        "VALUES ('SF', 'Li', 'x', 'badge-hash', '2020-01-01T00:00:00+00:00')"
    )
    old.execute(
        "INSERT INTO admins (username, password_hash, created_at) "
        "VALUES ('admin', 'x', '2020-01-01T00:00:00+00:00')"
    )
    old.close()
    before = datetime.now(UTC)
    with SqliteStore(path) as store:
        assert "m004_staff_sessions" in store.migrated
        assert store.courier_session_version(1) == 0
        assert store.admin_session_version("admin") == 0
        issued = store.courier_badge_issued_at(1)
        assert issued is not None and issued >= before.replace(microsecond=0)
