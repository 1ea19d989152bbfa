"""A fleet courier at the locker's screens: logged in by PIN or by the centre's badge, logged
out when a later grant changes their keys or disables them, and shown as the centre's."""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from urllib.parse import urlparse

import pytest

from locker.config import Settings
from locker.domain import badge
from locker.domain.fleet_courier import FleetCourier
from locker.domain.passwords import hash_secret
from locker.services.fleet_couriers import sync_fleet_courier
from locker.services.scan_pickup import pickup_by_scan
from locker.services.scan_tickets import ScanTickets
from locker.web import create_app
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FLEET_ID = 10_000_001
FLEET_BADGE = badge.issue_fleet(FLEET_ID)


@functools.cache
def pin_hash(pin: str) -> str:
    return hash_secret(pin)


@pytest.fixture
def tickets(clock) -> ScanTickets:
    return ScanTickets(clock)


@pytest.fixture
def app(ctx, db_path, board, clock, tickets):
    return create_app(
        Settings(db=db_path, language="en"), board=board, clock=clock, tickets=tickets
    )


@pytest.fixture
def granted(ctx) -> FleetCourier:
    """A fleet courier the centre granted this locker, with a PIN and a badge."""
    courier = FleetCourier(
        id=FLEET_ID,
        carrier="SF Express",
        name="Wang Fang",
        pin_hash=pin_hash(COURIER_PIN),
        badge_hash=FLEET_BADGE.token_hash,
        badge_issued_at=ctx.clock.now(),
        active=True,
        revision=1,
    )
    sync_fleet_courier(ctx, courier, "bob", "remote:centre")
    return courier


def path_of(response) -> str:
    return urlparse(response.location or "").path


def login(client, courier_id: str, pin: str = ""):
    page = client.get("/courier/login").get_data(as_text=True)
    data = {"courier_id": courier_id, "pin": pin, "csrf_token": CSRF.search(page).group(1)}
    return client.post("/courier/login", data=data)


def test_a_fleet_courier_logs_in_with_the_eight_digit_id_and_pin(app, granted):
    screen = app.test_client()
    assert path_of(login(screen, str(FLEET_ID), COURIER_PIN)) == "/courier/"
    assert screen.get("/courier/").status_code == 200


def test_a_fleet_badge_typed_by_the_scanner_logs_the_courier_in(app, granted):
    screen = app.test_client()
    assert path_of(login(screen, FLEET_BADGE.text)) == "/courier/"


def test_a_fleet_badge_held_up_to_the_camera_logs_the_courier_in(app, ctx, granted, tickets):
    outcome = pickup_by_scan(ctx, FLEET_BADGE.text, tickets)
    assert outcome.reason == "badge" and outcome.ticket
    screen = app.test_client()
    page = screen.get("/courier/login").get_data(as_text=True)
    claimed = screen.post(
        "/courier/badge",
        data={"ticket": outcome.ticket, "csrf_token": CSRF.search(page).group(1)},
    )
    assert path_of(claimed) == "/courier/"


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"pin_hash": pin_hash("975310")}, {"badge_hash": "f" * 64}],
    ids=["disabled", "new pin", "new badge"],
)
def test_a_later_grant_that_changes_the_keys_ends_the_open_session(app, ctx, granted, change):
    screen = app.test_client()
    login(screen, str(FLEET_ID), COURIER_PIN)
    assert screen.get("/courier/").status_code == 200
    sync_fleet_courier(ctx, replace(granted, revision=2, **change), "bob", "remote:centre")
    assert path_of(screen.get("/courier/")) == "/courier/login"


def test_a_disabled_fleet_courier_is_refused_at_the_login(app, ctx, granted):
    sync_fleet_courier(ctx, replace(granted, active=False, revision=2), "bob", "remote:centre")
    screen = app.test_client()
    assert login(screen, str(FLEET_ID), COURIER_PIN).status_code == 403
    assert login(screen, FLEET_BADGE.text).status_code == 403


def test_the_accounts_page_marks_the_couriers_from_the_centre(app, ctx, granted, courier):
    laptop = app.test_client()
    page = laptop.get("/admin/login").get_data(as_text=True)
    laptop.post(
        "/admin/login",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": CSRF.search(page)[1]},
    )
    page = laptop.get("/admin/accounts").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-courier="(\d+)">(.*?)</tr>', page, re.S))
    assert "from the centre" in rows[str(FLEET_ID)]
    assert "from the centre" not in rows[str(courier.id)]
