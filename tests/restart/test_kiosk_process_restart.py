"""`locker run` killed with SIGKILL while `locker sim-board` (the boards) keeps running, then
started again: every door is settled against what the boards show, as if each difference were
an event.

While the kiosk is down, a door it opened for a deposit is shut on the parcel, another is left
standing open, and an occupied door is forced. After the restart the first is occupied, the
second is alerted, and the forced one raises an alarm.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from locker.boards.detached import DetachedBoard
from locker.domain.states import CompartmentState
from locker.services.accounts import add_courier
from locker.services.context import LockerContext
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml
from locker.store import SqliteStore
from tests.boards.test_sim_board_cli import SimProcess
from tests.conftest import COURIER_PIN
from tests.support.layouts import SMALL_LAYOUT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
LOCKER = Path(sys.executable).with_name("locker")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Kiosk:
    """A `locker run` process and a browser talking to it."""

    def __init__(self, db: Path, lock_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
        env.update(
            LOCKER_DB=str(db),
            LOCKER_LOCK_DIR=str(lock_dir),
            LOCKER_STATUS_POLL_SECONDS="0.1",
            LOCKER_DOOR_OPEN_REMINDER_SECONDS="1",
            LOCKER_DOOR_OPEN_ALERT_SECONDS="2",
            LOCKER_LANGUAGE="en",
        )
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(LOCKER), "run", "--port", str(self.port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            with contextlib.suppress(OSError):
                self.get("/healthz")
                return
            time.sleep(0.1)  # a server still starting: nothing to wait on but the clock
        pytest.fail(f"locker run did not serve:\n{self.log.read_text()}")

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, form_page: str, **form: str) -> str:
        token = CSRF.search(self.get(form_page))[1]
        data = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=data, timeout=10) as response:
            return response.read().decode("utf-8")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def control(address: str, *commands: str) -> list[str]:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        lines = conn.makefile("rw", encoding="utf-8", newline="\n")
        answers = []
        for command in commands:
            lines.write(command + "\n")
            lines.flush()
            answers.append(lines.readline().strip())
    return answers


def wait_for(condition, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_killed_kiosk_settles_every_door_when_it_comes_back(tmp_path, lock_dir):
    sim = SimProcess("--driver", "kerong", "--boards", "2", "--control", "127.0.0.1:0")
    kiosk = None
    try:
        pty = sim.line()
        address = sim.line().split()[1]
        db = tmp_path / "locker" / "locker.db"
        layout = SMALL_LAYOUT.replace(
            'name = "main"', f'name = "main"\nport = "{pty}"\nitem_sensor_boards = [0, 1]'
        )
        with SqliteStore(db) as store:
            ctx = LockerContext(store, DetachedBoard())
            init_locker(ctx, "KILL-01", "Kill test", "", "admin", "correct-horse")
            load_layout(ctx, parse_layout_toml(layout), "test")
            courier = add_courier(ctx, "SF Express", "Li", COURIER_PIN, "test").id

        kiosk = Kiosk(db, lock_dir, tmp_path / "kiosk.log")
        kiosk.post("/courier/login", "/courier/login", courier_id=str(courier), pin=COURIER_PIN)
        deposits = {"SF0000000001": "S", "SF0000000002": "M", "SF0000000003": "L"}
        for tracking, size in deposits.items():
            page = kiosk.post(
                "/courier/deposit",
                "/courier/deposit",
                tracking=tracking,
                phone="13812345678",
                size=size,
            )
            assert "is open" in page, page
        # C01's parcel is shut in while the kiosk runs: an occupied door.
        control(address, "item 1 1 on", "close 1 1")
        with SqliteStore(db) as store:
            assert wait_for(lambda: store.compartment("C01").state is CompartmentState.OCCUPIED)

        kiosk.kill()
        # While it is down: A01 is shut on its parcel, B01 is left standing open, and the
        # occupied C01 is forced open.
        assert control(address, "item 0 1 on", "close 0 1", "open 1 1") == ["ok"] * 3

        kiosk = Kiosk(db, lock_dir, tmp_path / "kiosk.log")
        with SqliteStore(db) as store:
            assert wait_for(lambda: store.compartment("A01").state is CompartmentState.OCCUPIED)

            def audited(action: str, door: str) -> bool:
                return any(r.action == action and r.subject == door for r in store.audit_records())

            assert wait_for(lambda: audited("alert.door_left_open", "B01")), kiosk.log.read_text()
            assert wait_for(lambda: audited("alarm.door_opened_without_command", "C01"))
            assert store.parcel_by_tracking("SF0000000001").state.value == "deposited"
    finally:
        if kiosk is not None:
            kiosk.stop()
        sim.stop()
