"""The `locker` command run through click's CliRunner against a real SQLite file in tmp_path."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from locker.boards.in_memory import InMemoryBoard
from locker.cli.main import cli
from locker.services import accounts, setup_locker
from locker.services.context import LockerContext
from locker.store import SqliteStore
from tests.conftest import fixture_secrets_hashed_once

LOCKER_ID = "CLI-01"
ADMIN_PASSWORD = "correct-horse"
DEMO_PHONES = ("13800138001", "13800138002", "13900139003", "13700137004")

_DEMO_COURIER = re.compile(r"^\s+id (\d+)\s+PIN (\d+)\s+(.+) \((.+)\)$")
_DEMO_PARCEL = re.compile(
    r"^\s+(\S+)\s+door (\S+)\s+code (\d+)\s+QR (\S+)\s+\((waiting|expired)\)$"
)


@dataclass(frozen=True)
class PrintedParcel:
    """One parcel line of `locker demo`: what a recipient would be sent."""

    tracking: str
    door: str
    code: str
    qr: str
    state: str


@dataclass(frozen=True)
class DemoOutput:
    """What `locker demo` printed, parsed."""

    text: str
    couriers: dict[int, str]  # id -> PIN
    parcels: tuple[PrintedParcel, ...]

    def parcel(self, tracking: str) -> PrintedParcel:
        """The printed line of one parcel."""
        [found] = [p for p in self.parcels if p.tracking == tracking]
        return found


def parse_demo(text: str) -> DemoOutput:
    """The couriers' logins and the parcels' codes out of `locker demo` output."""
    couriers = {
        int(m.group(1)): m.group(2)
        for line in text.splitlines()
        if (m := _DEMO_COURIER.match(line))
    }
    parcels = tuple(
        PrintedParcel(*m.groups()) for line in text.splitlines() if (m := _DEMO_PARCEL.match(line))
    )
    return DemoOutput(text, couriers, parcels)


def assert_clean_failure(result: Result, *messages: str) -> None:
    """The command failed with exit 1 or 2 and a message, not an escaped exception."""
    assert result.exit_code in (1, 2), result.output
    # CliRunner stores an uncaught exception here; a clean failure is a SystemExit.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.output.strip(), "a failure must say why"
    for message in messages:
        assert message in result.output


def command_paths(
    group: click.Group = cli, prefix: tuple[str, ...] = ("locker",)
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and sub-group under `group`, with its full path, e.g. locker audit verify."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # the lazy groups too, which `commands` lacks
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


def leaf_command_paths() -> list[tuple[str, ...]]:
    """The paths of the commands that do something (not the groups)."""
    return [path for path, command in command_paths() if not isinstance(command, click.Group)]


class LockerCli:
    """The `locker` command against one database file, as one-liners for tests."""

    def __init__(self, runner: CliRunner, db: Path) -> None:
        self.runner = runner
        self.db = db

    def run(self, *args: str, input: str | None = None) -> Result:
        """Invoke `locker --db DB ARGS...`; exceptions are kept on the result, not raised."""
        return self.runner.invoke(cli, ["--db", str(self.db), *args], input=input)

    def ok(self, *args: str, input: str | None = None) -> Result:
        """Invoke and insist that it succeeded."""
        result = self.run(*args, input=input)
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    def init(self, locker_id: str = LOCKER_ID, password: str = ADMIN_PASSWORD) -> Result:
        """`locker init` with the admin password on stdin."""
        return self.ok(
            "init",
            "--locker-id",
            locker_id,
            "--name",
            "CLI test locker",
            "--password-stdin",
            input=f"{password}\n",
        )

    def demo(self) -> DemoOutput:
        """`locker demo`, parsed."""
        return parse_demo(self.ok("demo").stdout)

    @contextmanager
    def context(self) -> Iterator[LockerContext]:
        """A use-case context on the same file, as the kiosk would open it."""
        with SqliteStore(self.db) as store:
            yield LockerContext(store=store, board=InMemoryBoard())

    def sql(self, statement: str, params: Sequence[object] = ()) -> int:
        """Run one statement straight on the file, as someone with shell access could."""
        with closing(sqlite3.connect(self.db)) as conn:
            cursor = conn.execute(statement, params)
            conn.commit()
            return cursor.rowcount

    def query(self, statement: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Rows straight from the file."""
        with closing(sqlite3.connect(self.db)) as conn:
            return conn.execute(statement, params).fetchall()


@pytest.fixture(autouse=True)
def _no_locker_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A LOCKER_* variable in the developer's shell must not reach the command under test."""
    for name in [n for n in os.environ if n.startswith("LOCKER_")]:
        monkeypatch.delenv(name)
    # A locker with an SMS gateway, as most are: commands queue messages (a deposit's, a
    # reissue's) for the running locker's worker to send; no command sends one itself.
    monkeypatch.setenv("LOCKER_SMS_GATEWAY", "http")
    monkeypatch.setenv("LOCKER_SMS_URL", "http://127.0.0.1:9/sms")
    monkeypatch.setenv("LOCKER_SMS_SECRET", "cli-test")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "l.db"


@pytest.fixture
def locker(runner: CliRunner, db: Path) -> LockerCli:
    """The command line on a database that does not exist yet."""
    return LockerCli(runner, db)


@pytest.fixture
def ready(locker: LockerCli) -> LockerCli:
    """The command line on an initialised locker without layout, couriers or parcels."""
    with fixture_secrets_hashed_once(setup_locker):
        locker.init()
    return locker


@pytest.fixture
def demo(ready: LockerCli) -> DemoOutput:
    """An initialised locker seeded by `locker demo`; what it printed."""
    with fixture_secrets_hashed_once(accounts):
        return ready.demo()
