"""The wheel carries what an installed kiosk needs, and `scripts/kiosk` serves the demo locker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 120
# The first run of scripts/kiosk may install the project into .venv before it serves.
SERVE_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 2


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*command, "-w", str(out), str(ROOT)],
        check=True,
        timeout=BUILD_TIMEOUT_S,
        capture_output=True,
    )
    [built] = out.glob("parcel_locker-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_ships_the_templates_inside_the_locker_package(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    assert {"locker/templates/base.html", "locker/templates/kiosk/home.html"} <= names
    assert not [n for n in names if n.startswith("templates/")]


@pytest.mark.slow
def test_the_wheel_ships_the_demo_layout_and_the_locker_command_but_no_tests(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()

    assert "locker/demo_layout.toml" in names
    assert "locker = locker.cli.main:cli" in scripts
    assert not [n for n in names if n.startswith("tests/")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    """(status, body) of a GET; an HTTP error status is an answer too."""
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_S) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8", "replace")


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> tuple[int, str]:
    """The first answer from `url`, polling until SERVE_TIMEOUT_S; fails if the process dies."""
    deadline = time.monotonic() + SERVE_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"scripts/kiosk exited with {process.returncode}:\n{log.read_text()}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # Polling a server that is still starting: nothing to wait on but the clock.
            time.sleep(0.2)
    pytest.fail(f"no answer from {url} within {SERVE_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.mark.slow
def test_scripts_kiosk_creates_the_demo_locker_and_serves_its_home_page(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
    env["LOCKER_DB"] = str(tmp_path / "k.db")
    log = tmp_path / "kiosk.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "kiosk"), "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        status, page = wait_for(f"http://127.0.0.1:{port}/", process, log)
        assert status == 200
        assert "Demo locker" in page

        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        assert json.loads(body) == {"status": "ok", "locker": "DEMO-001"}
        # The first run printed the demo logins, as the README promises.
        assert "PIN 314159" in log.read_text(encoding="utf-8")
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the script and everything it started (bash, then the locker server it exec'd)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.slow
def test_the_wheel_ships_the_compiled_chinese_catalogue(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "locker/translations/zh/LC_MESSAGES/messages.mo" in names
    assert "locker/translations/zh/LC_MESSAGES/messages.po" in names
