"""A Mosquitto of our own on a free loopback port, with its config and password file: for the
fleet demo and the tests."""

from __future__ import annotations

import os
import pwd
import resource
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = Path("/usr/sbin/mosquitto")
PASSWD = Path("/usr/bin/mosquitto_passwd")
START_TIMEOUT_S = 10.0


class LocalBrokerError(Exception):
    """The local broker cannot start; the message says why in one line."""


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalBroker:
    """One Mosquitto process; it may be stopped and started again on the same port.

    `persistent` keeps sessions on disk, saved at every change, so that a broker stopped in a
    test keeps what its persistent sessions had queued.
    """

    def __init__(
        self,
        home: Path,
        users: dict[str, str],
        persistent: bool = False,
        max_queued: int = 100_000,
        acl_file: Path | None = None,
        tls: tuple[Path, Path, Path] | None = None,
    ) -> None:
        """`tls` is (CA file, certificate file, key file): the listener speaks TLS only."""
        if not MOSQUITTO.exists() or not PASSWD.exists():
            raise LocalBrokerError("Mosquitto is missing: apt-get install mosquitto")
        self.home = home
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        home.mkdir(parents=True, exist_ok=True)
        passwords = home / "passwords"
        passwords.touch(mode=0o600)
        for username, password in users.items():
            subprocess.run([str(PASSWD), "-b", str(passwords), username, password], check=True)
        (home / "mosquitto.conf").write_text(
            f"listener {self.port} 127.0.0.1\n"
            + (f"cafile {tls[0]}\ncertfile {tls[1]}\nkeyfile {tls[2]}\n" if tls else "")
            + "allow_anonymous false\n"
            f"password_file {passwords}\n"
            + (f"acl_file {acl_file}\n" if acl_file is not None else "")
            + (
                f"persistence true\npersistence_location {home}/\n"
                "autosave_interval 1\nautosave_on_changes true\n"
                if persistent
                else "persistence false\n"
            )
            + f"max_queued_messages {max_queued}\n"
            "max_inflight_messages 100\n"
            "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n"
        )
        _readable_by_broker(home)

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        with (self.home / "broker.log").open("ab") as log:
            self._process = subprocess.Popen(
                [str(MOSQUITTO), "-c", str(self.home / "mosquitto.conf")],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # A socket per locker: a thousand lockers need more than the usual 1,024 files.
                preexec_fn=_more_open_files,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LocalBrokerError(f"Mosquitto exited: see {self.home / 'broker.log'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise LocalBrokerError("Mosquitto did not start listening")

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    def reload(self) -> None:
        """Make the broker read its password and ACL files again (SIGHUP), as after an
        enrolment; it does so between two network rounds."""
        if self._process is not None:
            self._process.send_signal(signal.SIGHUP)

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


def _more_open_files() -> None:
    """In the broker's process, before it starts: the open-file limit raised to its ceiling."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _readable_by_broker(home: Path) -> None:
    """As root, Mosquitto runs as the `mosquitto` user, which must read its files."""
    if os.getuid() != 0:
        return
    try:
        account = pwd.getpwnam("mosquitto")
    except KeyError:
        return
    for path in [home, *home.iterdir()]:
        shutil.chown(path, account.pw_uid, account.pw_gid)
    for parent in home.resolve().parents:
        if parent == Path("/"):
            break
        # Traverse only (no listing), so that the broker's user reaches its own folder.
        parent.chmod(parent.stat().st_mode | 0o111)
