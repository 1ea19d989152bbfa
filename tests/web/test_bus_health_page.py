"""The admin dashboard tells a bus whose owner thread restarted after a fault."""

from __future__ import annotations

import re

from locker.config import Settings
from locker.health import BusHealth, HardwareHealth
from locker.web import create_app
from tests.conftest import ADMIN_PASSWORD


def dashboard(db_path, board, clock, health: HardwareHealth) -> str:
    app = create_app(
        Settings(db=db_path, language="en"), board=board, clock=clock, health=lambda: health
    )
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/admin/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    return client.get("/admin/").get_data(as_text=True)


def test_a_bus_restart_and_its_fault_are_on_the_dashboard(ctx, db_path, board, clock):
    bus = BusHealth("main", "/dev/ttyUSB0", True, 0, 2, "RuntimeError: decoder bug")
    page = dashboard(db_path, board, clock, HardwareHealth([bus], None))
    assert 'data-restarts="2"' in page
    assert "restarts after a fault: 2 (RuntimeError: decoder bug)" in page


def test_a_bus_that_never_restarted_says_nothing_of_restarts(ctx, db_path, board, clock):
    bus = BusHealth("main", "/dev/ttyUSB0", True, 1)
    page = dashboard(db_path, board, clock, HardwareHealth([bus], None))
    assert "reconnects: 1" in page and "restarts" not in page
