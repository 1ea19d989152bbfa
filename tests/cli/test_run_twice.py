"""A second `locker run` says in one line why it cannot start, and touches nothing."""

from __future__ import annotations

import socket

import pytest

from locker.cli.demo_setup import demo_settings, ensure_demo_locker
from locker.cli.runtime import Runtime
from locker.composition import LockerStartError, start_locker
from tests.cli.conftest import assert_clean_failure

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def demo_db(tmp_path, lock_dir, capsys):
    settings = demo_settings(Runtime(db=tmp_path / "demo.db"))
    ensure_demo_locker(settings)
    capsys.readouterr()
    return settings


def test_a_second_locker_on_the_same_database_is_refused(demo_db):
    first = start_locker(demo_db, demo=True)
    try:
        with pytest.raises(LockerStartError, match="served already by process"):
            start_locker(demo_db, demo=True)
        # The first one still runs: its start-up settlement was not redone under it.
        assert first.dispatcher is not None
    finally:
        first.stop()
    start_locker(demo_db, demo=True).stop()  # and once it stopped, a new one starts


def test_a_port_in_use_is_one_line(demo_db, monkeypatch):
    from click.testing import CliRunner

    from locker.cli.main import cli

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["--db", str(demo_db.db), "run", "--demo", "--port", str(port)]
        )
    finally:
        taken.close()
    assert_clean_failure(result, f"127.0.0.1:{port} is in use")
    assert "Traceback" not in result.output
