"""Every command fails cleanly (exit 1 or 2, a message, no traceback) when it cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from locker.cli.main import cli
from tests.cli.conftest import LockerCli, assert_clean_failure, leaf_command_paths

# Arguments that would be good on a set-up locker, so that only the missing database is wrong.
# {tmp} is the test's tmp_path. Every command but those that need no locker must be listed here.
NEEDS_A_LOCKER: dict[str, tuple[list[str], str | None]] = {
    "layout load": (["layout", "load", "{tmp}/cab.toml"], None),
    "demo": (["demo"], None),
    "courier add": (["courier", "add", "--carrier", "SF", "--name", "Li"], "246813\n"),
    "courier list": (["courier", "list"], None),
    "courier badge": (["courier", "badge", "1"], None),
    "admin add": (["admin", "add", "ops", "--password-stdin"], "long-enough\n"),
    "admin passwd": (["admin", "passwd", "admin", "--password-stdin"], "long-enough\n"),
    "parcels": (["parcels", "--json"], None),
    "expire": (["expire"], None),
    "reissue": (["reissue", "SF1000000001"], None),
    "backup": (["backup", "{tmp}/out/backup.db"], None),
    "purge": (["purge"], None),
    "outbox list": (["outbox", "list"], None),
    "outbox retry": (["outbox", "retry", "1"], None),
    "audit verify": (["audit", "verify"], None),
    "audit export": (["audit", "export", "--output", "{tmp}/out/audit.csv"], None),
    "sounds make": (["sounds", "make"], None),
    # An address that cannot be bound: were the check for the database ever skipped, the
    # test fails at once instead of serving forever.
    "run": (["run", "--host", "256.0.0.0", "--port", "1"], None),
}


# `init` creates the locker; the board, simulator and scan commands need no locker.
NEEDS_NO_LOCKER = {
    "init",
    "board status",
    "board open",
    "sim-board",
    "scan",
    # The centre's commands: they work on the fleet's keys and the centre's store.
    "fleet keygen",
    "fleet operator add",
    "fleet carrier add",
    "fleet carrier revoke",
    "fleet enroll",
    "fleet courier add",
    "fleet courier give",
    "fleet courier badge",
    "fleet courier disable",
    "fleet courier list",
    "fleet sim",
    "fleet service-cert",
    "fleet serve",
}


def test_the_missing_database_table_covers_every_command():
    commands = {" ".join(path[1:]) for path in leaf_command_paths()}
    assert commands - NEEDS_NO_LOCKER == set(NEEDS_A_LOCKER)


def _args(command: str, tmp_path: Path) -> tuple[list[str], str | None]:
    (tmp_path / "cab.toml").write_text(
        '[[compartment]]\nlabel = "A01"\nsize = "S"\nboard = 0\nchannel = 1\n', encoding="utf-8"
    )
    args, stdin = NEEDS_A_LOCKER[command]
    return [a.format(tmp=tmp_path) for a in args], stdin


@pytest.mark.parametrize("command", sorted(NEEDS_A_LOCKER))
def test_every_command_but_init_fails_cleanly_without_a_database(
    locker: LockerCli, tmp_path: Path, command: str
):
    args, stdin = _args(command, tmp_path)

    result = locker.run(*args, input=stdin)

    assert_clean_failure(result, f"no database at {locker.db}", "locker init")
    assert result.exit_code == 1
    assert not locker.db.exists(), "a failed command must not leave an empty database behind"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", sorted(NEEDS_A_LOCKER))
def test_every_command_but_init_fails_cleanly_on_a_database_without_a_locker(
    locker: LockerCli, tmp_path: Path, command: str
):
    # A refused init leaves the migrated file behind, but no locker in it.
    locker.run("init", "--locker-id", "bad id", "--name", "N", input="long-enough\n")
    assert locker.db.exists()
    args, stdin = _args(command, tmp_path)

    result = locker.run(*args, input=stdin)

    assert_clean_failure(result, "holds no locker yet", "locker init")


def test_an_unreadable_config_file_is_reported_cleanly(locker: LockerCli, tmp_path: Path):
    config = tmp_path / "locker.toml"
    config.write_text("code_length = 99\n", encoding="utf-8")
    result = locker.runner.invoke(cli, ["--db", str(locker.db), "--config", str(config), "parcels"])
    assert_clean_failure(result, "code_length must be 6 to 12")


def test_a_file_that_is_not_a_database_is_refused_cleanly(locker: LockerCli):
    locker.db.write_text("these are my notes, not a locker database\n" * 10, encoding="utf-8")
    before = locker.db.read_bytes()

    result = locker.run("parcels")

    assert_clean_failure(result, str(locker.db))
    assert locker.db.read_bytes() == before


def test_a_layout_file_that_is_not_utf8_is_refused_cleanly(ready: LockerCli, tmp_path: Path):
    layout = tmp_path / "cab.toml"
    layout.write_bytes('[[compartment]]\nlabel = "A01"  # 柜门\n'.encode("gb18030"))

    result = ready.run("layout", "load", str(layout))

    assert_clean_failure(result)
