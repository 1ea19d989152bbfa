"""`locker fleet serve --demo`: a broker, fresh keys, a centre and two demo lockers in one go.

Everything lives in one folder (var/fleet-demo), made afresh on every start: the broker's
config and password file, the fleet's root key, the centre's store and service key, and the
two lockers' databases and logs. The lockers are `locker run --demo` child processes.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from locker.centre.broker_accounts import enroll
from locker.centre.local_broker import LocalBroker, free_port
from locker.centre.operators import add_operator
from locker.centre.service_identity import make_service_identity
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore
from locker.wire.keys import new_private_key, public_text, write_private_key

DEMO_LOCKERS = ("DEMO-001", "DEMO-002")
# An admin, and a support operator to try the second signature an occupied door needs.
DEMO_OPERATORS = (("demo", "admin"), ("demo2", "support"))
MARKER = ".fleet-demo"
STOP_TIMEOUT_S = 10.0
# A demo locker makes its sounds and starts its boards before it listens: seconds, not minutes.
READY_TIMEOUT_S = 60.0


class FleetDemoError(Exception):
    """The demo cannot start; the message says why in one line."""


@dataclass
class DemoLocker:
    """One `locker run --demo` child process."""

    locker_id: str
    port: int
    db: Path
    process: subprocess.Popen[bytes]

    def wait_until_serving(self, timeout_s: float = READY_TIMEOUT_S) -> bool:
        """True once its kiosk accepts connections; False if it exited or took too long."""
        deadline = time.monotonic() + timeout_s
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.1)
        return False


@dataclass
class FleetDemo:
    """What the demo started, and the logins it made."""

    folder: Path
    settings: CentreSettings
    broker: LocalBroker
    passwords: dict[str, str]
    lockers: list[DemoLocker] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the lockers (so the broker announces them offline), then the broker."""
        for child in self.lockers:
            if child.process.poll() is None:
                child.process.terminate()
        for child in self.lockers:
            try:
                child.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        self.broker.stop()


def _fresh_folder(folder: Path) -> None:
    """An empty folder: one made by an earlier demo is cleared, anything else is left alone."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise FleetDemoError(f"{folder} is not empty and was not made by the demo")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by `locker fleet serve --demo`; cleared on its next start\n")


def locker_command() -> list[str]:
    """How to run `locker`: the script beside this Python, or the module."""
    script = Path(sys.executable).with_name("locker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "locker.cli.main"]


def start_demo(folder: Path, settings: CentreSettings) -> FleetDemo:
    """Make the keys and the broker, start the two lockers; the centre's settings to serve."""
    _fresh_folder(folder)
    # Each demo locker has its own broker user and ACL, as `locker fleet enroll` makes them.
    home = folder / "broker"
    home.mkdir(parents=True)
    (home / "acl").touch(mode=0o600)
    broker = LocalBroker(home, {}, acl_file=home / "acl")
    passwords = {
        name: enroll(name, home / "passwords", home / "acl", centre=(name == "centre"))
        for name in ("centre", *DEMO_LOCKERS)
    }
    broker.start()
    demo = FleetDemo(folder, settings, broker, {})
    try:
        root = new_private_key()
        write_private_key(root, folder / "fleet-root.pem")
        demo.settings = dataclasses.replace(
            settings,
            fleet_db=f"sqlite:///{folder.resolve() / 'centre.db'}",
            mqtt_host="127.0.0.1",
            mqtt_port=broker.port,
            mqtt_username="centre",
            mqtt_password=passwords["centre"],
            mqtt_ca_file="",
            mqtt_cert_file="",
            mqtt_key_file="",
            identity_dir=folder / "centre",
            session_secret_file=folder / "centre" / "session.key",
        )
        now = time.time()
        make_service_identity(root, demo.settings.identity_dir, int(now))
        store = CentreStore(demo.settings.fleet_db)
        try:
            for username, role in DEMO_OPERATORS:
                demo.passwords[username] = secrets.token_urlsafe(9)
                add_operator(store, username, demo.passwords[username], role, root, now)
        finally:
            store.close()
        for locker_id in DEMO_LOCKERS:
            demo.lockers.append(
                _start_locker(folder, locker_id, broker.port, passwords[locker_id], root)
            )
    except BaseException:
        demo.stop()
        raise
    return demo


def _start_locker(
    folder: Path, locker_id: str, broker_port: int, password: str, root: Ed25519PrivateKey
) -> DemoLocker:
    port = free_port()
    db = folder / f"{locker_id}.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
    env.update(
        LOCKER_DB=str(db),
        LOCKER_DEMO_ID=locker_id,
        LOCKER_LOCK_DIR=str(folder),
        LOCKER_MQTT_HOST="127.0.0.1",
        LOCKER_MQTT_PORT=str(broker_port),
        LOCKER_MQTT_USERNAME=locker_id,
        LOCKER_MQTT_PASSWORD=password,
        LOCKER_MQTT_KEEPALIVE_SECONDS="5",
        LOCKER_FLEET_ROOT_KEY=public_text(root.public_key()),
    )
    with (folder / f"{locker_id}.log").open("ab") as log:
        process = subprocess.Popen(
            [*locker_command(), "run", "--demo", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return DemoLocker(locker_id, port, db, process)
