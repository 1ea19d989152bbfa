"""Two processes that open one brand-new database at the same moment both get a whole schema."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from locker.store import SqliteStore
from locker.store.migrations import migrations


def _open(path: str, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    SqliteStore(path).close()


def test_two_processes_creating_one_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("fork")
    for attempt in range(8):
        path = str(tmp_path / f"locker-{attempt}.db")
        start = spawn.Barrier(3)
        children = [spawn.Process(target=_open, args=(path, start)) for _ in range(3)]
        for child in children:
            child.start()
        for child in children:
            child.join(60)
        assert [child.exitcode for child in children] == [0, 0, 0]
        with SqliteStore(path) as store:
            assert {m.name for m in migrations.applied(store.db)} == {
                m.name for m in migrations._migrations
            }
