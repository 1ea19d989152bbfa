"""`locker run` stopped by its service manager (SIGTERM) stops in order, as on Ctrl-C."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_served_kiosk import free_port
from tests.support.child_process import LockerCommand

pytestmark = pytest.mark.timeout(90)


def wait_until_serving(url: str, locker: LockerCommand) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        assert locker.process.poll() is None, locker.log.read_text()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered:\n{locker.log.read_text()}")


def test_a_terminated_locker_stops_its_boards_and_exits_cleanly(tmp_path: Path, lock_dir):
    port = free_port()
    locker = LockerCommand(
        ["--db", str(tmp_path / "demo.db"), "run", "--demo", "--port", str(port)],
        {"LOCKER_LOCK_DIR": str(lock_dir)},
        tmp_path / "locker.log",
    )
    temp = tmp_path / "tmp"  # the child's TMPDIR
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/healthz", locker)
        assert list(temp.glob("locker-sim-*")), "the demo's bus is on a pty made in TMPDIR"
    finally:
        locker.stop()  # SIGTERM, as systemd stops a service
    log = locker.log.read_text()
    assert locker.process.returncode == 0, log
    assert "Traceback" not in log and "Aborted" not in log
    assert not list(temp.glob("locker-sim-*")), "the simulated bus was stopped in order"
