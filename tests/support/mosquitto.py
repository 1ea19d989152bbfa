"""A real Mosquitto broker on a free loopback port, with its own config, users and persistence."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

MOSQUITTO = "/usr/sbin/mosquitto"
PASSWD = "/usr/bin/mosquitto_passwd"
START_TIMEOUT_S = 10.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class BrokerUser:
    """A username and password the broker accepts."""

    username: str
    password: str


class Broker:
    """One Mosquitto process; stop and start it again on the same port and persistence file."""

    def __init__(self, home: Path, users: dict[str, str], max_queued: int = 100_000) -> None:
        if not Path(MOSQUITTO).exists():
            raise RuntimeError("Mosquitto is missing: scripts/test installs the mosquitto package")
        self.home = home
        self.port = free_port()
        self.users = users
        self._process: subprocess.Popen[bytes] | None = None
        home.mkdir(parents=True, exist_ok=True)
        passwords = home / "passwords"
        passwords.touch()
        for username, password in users.items():
            subprocess.run([PASSWD, "-b", str(passwords), username, password], check=True)
        config = home / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous false\n"
            f"password_file {passwords}\n"
            "persistence true\n"
            f"persistence_location {home}/\n"
            # Saved on every change, so that a broker killed in a test keeps its sessions.
            "autosave_interval 1\n"
            "autosave_on_changes true\n"
            f"max_queued_messages {max_queued}\n"
            "max_inflight_messages 100\n"
            "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n"
            "log_type notice\n"
            "log_timestamp_format %H:%M:%S\n"
        )
        self._drop_to_broker_user(home)

    @staticmethod
    def _drop_to_broker_user(home: Path) -> None:
        """As root, Mosquitto runs as the `mosquitto` user, which must read and write its files."""
        if os.getuid() != 0:
            return
        try:
            account = pwd.getpwnam("mosquitto")
        except KeyError:
            return
        for path in [home, *home.iterdir()]:
            shutil.chown(path, account.pw_uid, account.pw_gid)
        for parent in home.parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o711)

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        with (self.home / "broker.log").open("ab") as log:
            self._process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.home / "mosquitto.conf")], stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Mosquitto exited: {(self.home / 'broker.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Mosquitto did not start listening")

    def stop(self) -> None:
        """Stop the broker as a service manager would, letting it save its sessions."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._process is not None and self._process.poll() is None
