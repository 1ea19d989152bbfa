"""`locker run` serves the kiosk without the centre's libraries, which the locker never uses."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from locker.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
# The centre's store, its API and their validation: tens of megabytes resident for nothing.
CENTRE_LIBRARIES = ("sqlalchemy", "apiflask", "pydantic", "marshmallow", "flask_limiter")

# `locker run --demo` up to the moment it would serve, then the names of every loaded module.
SERVE_AND_LIST = """
import sys

import waitress

class Listed:
    def run(self):
        print(" ".join(sorted(sys.modules)))

waitress.create_server = lambda app, **options: Listed()
from locker.cli.main import cli

cli.main(sys.argv[1:], prog_name="locker")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.timeout(90)
def test_the_served_kiosk_loads_none_of_the_centres_libraries(tmp_path, lock_dir):
    db = tmp_path / "demo.db"
    args = ["--db", str(db), "run", "--demo", "--port", str(free_port())]
    done = subprocess.run(
        [sys.executable, "-c", SERVE_AND_LIST, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=80,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "locker.web.kiosk" in loaded and "waitress" in loaded  # it did get as far as serving
    assert not {m for m in loaded if m.split(".")[0] in CENTRE_LIBRARIES}
    assert not {m for m in loaded if m.startswith("locker.centre")}


def test_the_fleet_commands_are_there_when_asked_for():
    result = CliRunner().invoke(cli, ["fleet", "--help"])
    assert result.exit_code == 0, result.output
    for command in ("carrier", "courier", "keygen", "operator", "serve"):
        assert command in result.output
    assert "fleet" in CliRunner().invoke(cli, ["--help"]).output
