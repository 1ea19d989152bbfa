"""The database holds the locker's secret: it, its WAL and its backups are for the locker alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from locker.cli.main import cli
from locker.store import SqliteStore, StoreError
from locker.store.file_modes import secure_database_files
from tests.conftest import LOCKER_ID


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems start a service with, which makes files 0644 and folders 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@contextmanager
def in_use(path: Path) -> Iterator[SqliteStore]:
    """The store open and written to, so that its WAL and shared-memory files exist."""
    with SqliteStore(path) as store:
        with store.transaction():
            store.db.execute("INSERT OR IGNORE INTO failure_budgets (key) VALUES ('keypad')")
        assert path.with_name(path.name + "-wal").exists()
        yield store


def test_a_new_database_and_its_wal_are_private_in_a_private_folder(tmp_path):
    db = tmp_path / "var" / "locker.db"
    with in_use(db):
        assert mode(db.parent) == 0o700
        for name in ("locker.db", "locker.db-wal", "locker.db-shm"):
            assert mode(db.parent / name) == 0o600, name


def test_a_backup_is_private_in_a_private_folder(store, tmp_path):
    copy = tmp_path / "backups" / "monday.db"
    store.backup(copy)
    assert mode(copy) == 0o600
    assert mode(copy.parent) == 0o700


def test_locker_backup_writes_a_private_file(tmp_path):
    db, copy = tmp_path / "l.db", tmp_path / "copy.db"
    runner = CliRunner()
    init = ["--db", str(db), "init", "--locker-id", LOCKER_ID, "--name", "N", "--password-stdin"]
    assert runner.invoke(cli, init, input="correct-horse\n").exit_code == 0
    assert runner.invoke(cli, ["--db", str(db), "backup", str(copy)]).exit_code == 0
    assert mode(copy) == 0o600


@pytest.fixture
def left_open(tmp_path: Path) -> Iterator[Path]:
    """A database in use, left by an older version: files 0644 in a folder 0755."""
    db = tmp_path / "var" / "locker.db"
    with in_use(db):
        for path in (db.parent, *db.parent.iterdir()):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        yield db


def test_start_up_tightens_what_an_older_version_left_open(left_open):
    db = left_open
    tightened = secure_database_files(db)
    wal, shm = db.with_name("locker.db-wal"), db.with_name("locker.db-shm")
    assert set(tightened) == {db.parent, db, wal, shm}
    assert mode(db.parent) == 0o700
    assert {mode(p) for p in db.parent.iterdir()} == {0o600}
    assert secure_database_files(db) == []


def test_the_databases_own_folder_is_made_private_even_when_others_could_write_to_it(left_open):
    os.chmod(left_open.parent, 0o777)
    assert left_open.parent in secure_database_files(left_open)
    assert mode(left_open.parent) == 0o700


def test_a_shared_folder_is_not_made_private_but_the_files_are(left_open):
    (left_open.parent / "logs").mkdir()  # not the database's own folder: leave it as it is
    secure_database_files(left_open)
    assert mode(left_open.parent) == 0o755
    assert mode(left_open) == 0o600


@pytest.mark.parametrize("folder_mode", [0o777, 0o1777, 0o775])
def test_a_folder_others_may_write_to_stops_the_start_in_one_line(left_open, folder_mode):
    (left_open.parent / "logs").mkdir()
    os.chmod(left_open.parent, folder_mode)
    with pytest.raises(StoreError) as refused:
        secure_database_files(left_open)
    message = str(refused.value)
    assert "\n" not in message
    assert str(left_open.parent) in message and "others can write" in message


def test_a_missing_database_is_left_for_init_to_create(tmp_path):
    assert secure_database_files(tmp_path / "nothing-yet" / "locker.db") == []
