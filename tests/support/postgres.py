"""A real PostgreSQL server for the tests, from Debian's package, and a fresh database per test.

`initdb` and `postgres` refuse to run as root, so as root they run as the `postgres` user, in a
folder that user owns outside pytest's private temporary folder (which only root may enter).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg

from locker.centre.local_broker import free_port

BINARIES = "/usr/lib/postgresql/*/bin"
SYSTEM_USER = "postgres"
# Durability buys nothing in a test and costs most of its time.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
START_TIMEOUT_S = 30


class PostgresMissingError(RuntimeError):
    """The server's programs are not installed."""


def server_binaries() -> Path:
    """The newest installed PostgreSQL's bin folder; PostgresMissingError when there is none."""
    found = sorted(
        (Path(path) for path in glob.glob(BINARIES) if Path(path, "initdb").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not found:
        raise PostgresMissingError(
            f"no PostgreSQL server under {BINARIES}: install Debian's postgresql package "
            "(scripts/test does)"
        )
    return found[-1]


class PostgresServer:
    """One server on a free loopback port and its own socket folder; trust on loopback."""

    def __init__(self, durable: bool = False) -> None:
        # Tests trade durability for speed; a benchmark keeps fsync on, as production does.
        self.options = "-c max_connections=300" if durable else FAST
        self.bin = server_binaries()
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="pg-test-", dir="/tmp"))
        self.data = self.home / "data"
        self.sockets = self.home / "sockets"
        self._names = itertools.count(1)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S * 2,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}")

    def start(self) -> PostgresServer:
        """Make the cluster and start the server; return when it takes connections."""
        self.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.home, SYSTEM_USER, SYSTEM_USER)
            shutil.chown(self.sockets, SYSTEM_USER, SYSTEM_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.sockets} {self.options}"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.home / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
        )
        return self

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of one database on this server, through psycopg 3."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, template: str = "template1") -> str:
        """A fresh database, a copy of `template` (empty by default); its URL."""
        name = f"t_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY = FILE_COPY")
        return self.url(name)

    def template_database(self, prepare: Callable[[str], None]) -> str:
        """A database that `prepare(url)` fills, then closed to connections to serve as a
        template for new_database; its name."""
        url = self.new_database()
        prepare(url)
        name = url.rsplit("/", 1)[1]
        self._admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true")
        return name

    def drop_database(self, url: str) -> None:
        """Drop a database made by new_database, closing whatever is still connected to it."""
        name = url.rsplit("/", 1)[1]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, sql: str) -> None:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql.encode())
