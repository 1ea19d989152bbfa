"""`locker run --demo` on a new machine: it makes and seeds its own database first."""

from __future__ import annotations

from pathlib import Path

from locker.cli.demo_setup import DEMO_DB, demo_settings, ensure_demo_locker
from locker.cli.runtime import Runtime
from locker.store import SqliteStore


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
