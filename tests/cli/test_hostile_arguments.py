"""Hostile ids and values on the command line: one line saying why, never a traceback.

Each command is given what a typo, a paste or an attacker with shell access could give it: an
id SQLite cannot hold, a NUL, CR/LF, an escape sequence, 10,000 characters. It must fail with
exit 1 or 2 and an error of one line that carries no control character, and store nothing.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.conftest import DemoOutput, LockerCli

HUGE = "99999999999999999999"
LONG = "x" * 10_000
PASSWORD = "long-enough\n"
FORGED = "\r\nforged line"
# Invocations that must fail, with the standard input they get. {tmp} is the test's folder.
REFUSED: dict[str, tuple[list[str], str | None]] = {
    "badge for a huge id": (["courier", "badge", HUGE], None),
    "badge for 5,000 digits": (["courier", "badge", "9" * 5000], None),
    "badge for id 0": (["courier", "badge", "0"], None),
    "badge for a negative id": (["courier", "badge", "--", "-1"], None),
    "badge for a NUL": (["courier", "badge", "\x00"], None),
    "reissue with a NUL": (["reissue", "SF\x00001"], None),
    "reissue with CR/LF": (["reissue", "SF1\r\nforged line"], None),
    "reissue with an escape sequence": (["reissue", "\x1b[2J\x1b[31mSF1"], None),
    "reissue with 10,000 characters": (["reissue", LONG], None),
    "reissue with a huge number": (["reissue", HUGE], None),
    "courier whose carrier has a NUL": (
        ["courier", "add", "--carrier", "SF\x00", "--name", "Li"],
        "246813\n",
    ),
    "courier whose name has CR/LF": (
        ["courier", "add", "--carrier", "SF", "--name", "Li\r\nforged line"],
        "246813\n",
    ),
    "courier whose name is 10,000 characters": (
        ["courier", "add", "--carrier", "SF", "--name", LONG],
        "246813\n",
    ),
    "courier with a huge PIN": (["courier", "add", "--carrier", "SF", "--name", "Li"], HUGE),
    "courier with a PIN of NULs": (
        ["courier", "add", "--carrier", "SF", "--name", "Li"],
        "\x00" * 6 + "\n",
    ),
    "admin whose name has CR/LF": (["admin", "add", "ops\r\nx", "--password-stdin"], PASSWORD),
    "admin whose name has a NUL": (["admin", "add", "ops\x00", "--password-stdin"], PASSWORD),
    "admin with a 10,000-character password": (
        ["admin", "add", "ops", "--password-stdin"],
        LONG + "\n",
    ),
    "password for a NUL": (["admin", "passwd", "\x00", "--password-stdin"], PASSWORD),
    "password for 10,000 characters": (["admin", "passwd", LONG, "--password-stdin"], PASSWORD),
    "parcels in a NUL state": (["parcels", "--state", "\x00"], None),
    "outbox in a NUL state": (["outbox", "list", "--state", "\x00"], None),
    "outbox retry of a huge id": (["outbox", "retry", HUGE], None),
    "outbox retry of 5,000 digits": (["outbox", "retry", "9" * 5000], None),
    "outbox retry of a NUL": (["outbox", "retry", "\x00"], None),
    "board status of a huge board": (["board", "status", HUGE], None),
    "board open of a huge channel": (["board", "open", "0", HUGE], None),
    "layout with a huge board": (["layout", "load", "{tmp}/huge-board.toml"], None),
    "layout with a NUL label": (["layout", "load", "{tmp}/nul-label.toml"], None),
    "backup to a path with a NUL": (["backup", "{tmp}/out\x00.db"], None),
    "audit export to a path with a NUL": (["audit", "export", "--output", "{tmp}/a\x00.csv"], None),
    "a database path with a NUL": (["--db", "{tmp}/l\x00.db", "parcels"], None),
    "a settings path with CR/LF": (["--config", "{tmp}/c\r\n.toml", "parcels"], None),
    "a board port with CR/LF": (["board", "--port", f"socket://{FORGED}:1", "status", "0"], None),
    "a board port with a NUL": (["board", "--port", "\x00", "status", "0"], None),
    "serving on a host with a NUL": (["run", "--host", "\x00", "--port", "1"], None),
    "a simulator on a host with a NUL": (["sim-board", "--listen", "\x00:0"], None),
    "a simulator on a port of 5,000 digits": (["sim-board", "--listen", f"l:{'9' * 5000}"], None),
    "a simulator on a superscript port": (["sim-board", "--control", "localhost:²"], None),
}
LAYOUTS = {
    "huge-board.toml": f'[[compartment]]\nlabel = "Z01"\nsize = "S"\nboard = {HUGE}\nchannel = 1\n',
    "nul-label.toml": '[[compartment]]\nlabel = "Z\\u0000"\nsize = "S"\nboard = 0\nchannel = 1\n',
}
# A new locker's identity, on a database of its own.
REFUSED_INIT: dict[str, list[str]] = {
    "a locker id with a NUL": ["--locker-id", "L\x00", "--name", "N"],
    "a huge locker id": ["--locker-id", "9" * 5000, "--name", "N"],
    "a name with CR/LF": ["--locker-id", "L1", "--name", "N\r\nforged line"],
    "a name with a NUL": ["--locker-id", "L1", "--name", "N\x00"],
    "a name of 10,000 characters": ["--locker-id", "L1", "--name", LONG],
    "an address with an escape sequence": [
        "--locker-id",
        "L1",
        "--name",
        "N",
        "--address",
        "\x1b[2J",
    ],
    "an admin with CR/LF": ["--locker-id", "L1", "--name", "N", "--admin", "a\r\nb"],
}


def assert_one_line_refusal(output: str, exit_code: int, exception: BaseException | None) -> None:
    assert exit_code in (1, 2), output
    assert isinstance(exception, SystemExit), repr(exception)
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    assert "\r" not in output and not any(ch < " " and ch != "\n" for ch in output), repr(output)
    assert "forged line" not in output.replace(errors[0], ""), output


def rows(db: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return [
            row
            for table in ("parcels", "compartments", "couriers", "admins", "locker")
            for row in conn.execute(f"SELECT * FROM {table}")
        ]


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_hostile_argument_is_refused_in_one_line(
    demo: DemoOutput, ready: LockerCli, tmp_path: Path, case: str
):
    for name, text in LAYOUTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args, stdin = REFUSED[case]
    before = rows(ready.db)

    result = ready.run(*[a.replace("{tmp}", str(tmp_path)) for a in args], input=stdin)

    assert_one_line_refusal(result.output, result.exit_code, result.exception)
    assert rows(ready.db) == before


@pytest.mark.parametrize("case", sorted(REFUSED_INIT))
def test_a_hostile_identity_for_a_new_locker_is_refused_in_one_line(locker: LockerCli, case: str):
    result = locker.run("init", *REFUSED_INIT[case], "--password-stdin", input="long-enough\n")

    assert_one_line_refusal(result.output, result.exit_code, result.exception)
    if locker.db.exists():
        with closing(sqlite3.connect(locker.db)) as conn:
            assert conn.execute("SELECT count(*) FROM locker").fetchone() == (0,)
