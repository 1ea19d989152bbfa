"""`locker run --demo` on a new machine: it makes and seeds its own database first."""

from __future__ import annotations

from pathlib import Path

import pytest

from locker.cli.demo_setup import DEMO_DB, DEMO_ID_PREFIX, demo_settings, ensure_demo_locker
from locker.cli.runtime import Runtime
from locker.composition import start_locker
from locker.store import SqliteStore
from tests.cli.conftest import LOCKER_ID, LockerCli, assert_clean_failure


def test_the_demo_uses_its_own_database_unless_one_is_named(monkeypatch, tmp_path):
    monkeypatch.delenv("LOCKER_DB", raising=False)
    monkeypatch.delenv("LOCKER_CONFIG", raising=False)
    assert demo_settings(Runtime()).db == DEMO_DB == Path("var/demo.db")
    assert demo_settings(Runtime(db=tmp_path / "mine.db")).db == tmp_path / "mine.db"
    monkeypatch.setenv("LOCKER_DB", str(tmp_path / "env.db"))
    assert demo_settings(Runtime()).db == tmp_path / "env.db"


def test_a_missing_demo_database_is_made_and_seeded_once(tmp_path, capsys):
    settings = demo_settings(Runtime(db=tmp_path / "new" / "demo.db"))
    ensure_demo_locker(settings)
    printed = capsys.readouterr().out
    assert "Admin login: admin / locker-demo" in printed and "PIN" in printed
    with SqliteStore(settings.db) as store:
        assert store.locker().locker_id == "DEMO-001"
        parcels = len(store.parcels())
    ensure_demo_locker(settings)  # a second start keeps the locker, and shows the logins again
    again = capsys.readouterr().out
    assert "PIN 314159" in again and "Admin login: admin / locker-demo" in again
    with SqliteStore(settings.db) as store:
        assert len(store.parcels()) == parcels


def test_run_demo_refuses_a_database_the_demo_did_not_make(ready: LockerCli, monkeypatch):
    served = []
    monkeypatch.setattr("waitress.serve", lambda *args, **kwargs: served.append(args))
    result = ready.run("run", "--demo")
    assert_clean_failure(result, str(ready.db), LOCKER_ID, "not a demo locker")
    assert len(result.output.strip().splitlines()) == 1
    assert served == []
    with ready.context() as ctx:  # nothing was seeded into the real locker
        assert ctx.store.parcels() == [] and ctx.store.couriers() == []


def test_run_demo_refuses_a_file_that_holds_no_locker(locker: LockerCli, monkeypatch):
    monkeypatch.setattr("waitress.serve", lambda *args, **kwargs: None)
    locker.db.write_bytes(b"")
    result = locker.run("run", "--demo")
    assert_clean_failure(result, str(locker.db), "not a demo locker")


def test_a_demo_database_is_marked_by_its_locker_id(tmp_path):
    settings = demo_settings(Runtime(db=tmp_path / "demo.db"))
    ensure_demo_locker(settings)
    with SqliteStore(settings.db) as store:
        assert store.locker().locker_id.startswith(DEMO_ID_PREFIX)


def test_the_demo_may_be_watched_from_another_machine(tmp_path):
    assert demo_settings(Runtime(db=tmp_path / "demo.db")).remote_streams is True


@pytest.mark.timeout(60)
def test_the_running_demo_has_the_recipients_phone(tmp_path, lock_dir, capsys):
    settings = demo_settings(Runtime(db=tmp_path / "demo.db"))
    ensure_demo_locker(settings)
    running = start_locker(settings, demo=True)
    try:
        assert running.app is not None
        client = running.app.test_client()
        assert 'href="/demo/messages"' in client.get("/demo/").get_data(as_text=True)
        assert client.get("/demo/messages").status_code == 200
    finally:
        running.stop()
