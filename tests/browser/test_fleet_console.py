"""`locker fleet serve --demo`, a real process: two demo lockers live on the console, and a door
opened remotely from the console opens on the demo locker's simulated board."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from locker.domain.states import CompartmentState
from locker.store import SqliteStore
from tests.browser.conftest import ARTIFACTS
from tests.fleet.conftest import wait_for
from tests.support.mosquitto import MOSQUITTO, free_port

with contextlib.suppress(ImportError):  # without Playwright the browser fixture skips
    from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
LOCKER = Path(sys.executable).with_name("locker")
CHILD = re.compile(r"Demo locker DEMO-00\d on http://127.0.0.1:(\d+)/")
LOGIN = re.compile(r"Operator login: demo / (\S+)")


@dataclass
class FleetDemo:
    """The running demo: its console's URL, the operator's password, and its folder."""

    url: str
    password: str
    folder: Path


@pytest.fixture
def fleet_demo(tmp_path: Path) -> Iterator[FleetDemo]:
    if not Path(MOSQUITTO).exists():
        pytest.skip("Mosquitto is missing: scripts/test installs the mosquitto package")
    port = free_port()
    folder = tmp_path / "fleet-demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCKER_", "CENTRE_"))}
    env.update(CENTRE_PORT=str(port), CENTRE_LANGUAGE="en")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(LOCKER), "fleet", "serve", "--demo", "--demo-dir", str(folder)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: LOGIN.search(log.read_text()) is not None, 30), log.read_text()
        found = LOGIN.search(log.read_text())
        assert found is not None
        yield FleetDemo(f"http://127.0.0.1:{port}", found.group(1), folder)
    finally:
        process.terminate()
        process.wait(20)
    # The demo lockers stopped with it: nothing listens on their ports any more.
    for child_port in CHILD.findall(log.read_text()):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", int(child_port)), timeout=1).close()


def _free_door(db: Path) -> str:
    with SqliteStore(db) as store:
        free = [c.label for c in store.compartments() if c.state is CompartmentState.FREE]
    return free[0]


def _remote_opens(db: Path) -> list[str]:
    with SqliteStore(db) as store:
        return [
            f"{r.actor} {r.subject}" for r in store.audit_records() if r.action == "door.force_open"
        ]


def test_two_demo_lockers_are_live_and_a_door_opens_from_the_console(
    browser: Browser, fleet_demo: FleetDemo
) -> None:
    context = browser.new_context(base_url=fleet_demo.url)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", fleet_demo.password)
    page.click("button[type=submit]")

    for locker_id in ("DEMO-001", "DEMO-002"):
        expect(page.locator(f"tr[data-locker={locker_id}] .online")).to_be_visible(timeout=30_000)

    page.screenshot(path=str(ARTIFACTS / "fleet-console-fleet.png"), full_page=True)

    db = fleet_demo.folder / "DEMO-001.db"
    door = _free_door(db)
    page.goto("/remote")
    page.select_option("select[name=locker]", "DEMO-001")
    page.select_option("select[name=action]", "force_open")
    page.fill("input[name=door]", door)
    page.fill("input[name=reason]", "checking the hinge")
    page.fill("#remote-form input[name=password]", fleet_demo.password)
    page.click("#remote-form button[type=submit]")

    expect(page.locator("#command-status[data-status=done]")).to_be_visible(timeout=20_000)
    expect(page.locator("#outcome")).to_contain_text(f"Door {door} opened.")
    page.screenshot(path=str(ARTIFACTS / "fleet-console-command.png"), full_page=True)
    assert wait_for(lambda: f"remote:demo {door}" in _remote_opens(db), 10)
    page.goto("/lockers/DEMO-001?lang=zh")
    page.screenshot(path=str(ARTIFACTS / "fleet-console-locker-zh.png"), full_page=True)
    context.close()


def test_each_demo_locker_is_named_once_its_kiosk_answers(fleet_demo: FleetDemo) -> None:
    log = fleet_demo.folder.parent / "serve.log"
    assert wait_for(lambda: len(CHILD.findall(log.read_text())) == 2, 60), log.read_text()
    for port in CHILD.findall(log.read_text()):
        socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
