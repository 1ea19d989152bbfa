"""Staff screens for the finger: what cannot be undone asks first, and every screen has a Back."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from locker.config import Settings
from locker.services.accounts import login_courier
from locker.web import create_app
from tests.conftest import COURIER_PIN
from tests.web.test_admin_area import AdminActions, text


@pytest.fixture
def app(ctx, db_path, board, clock):
    return create_app(Settings(db=db_path, language="en"), board=board, clock=clock)


@pytest.fixture
def admin(app) -> AdminActions:
    actions = AdminActions(app.test_client())
    actions.login()
    return actions


def test_force_open_asks_first_and_opens_nothing_until_confirmed(admin, ctx, courier, board):
    receipt = courier.deposit("SF0001")
    label, opened = receipt.compartment, len(board.opened)
    records = len(list(ctx.store.audit_records()))
    page = text(admin.post("/admin/doors/open", label=label, reason="hinge check"))
    assert f"Open door {label} for service?" in page
    assert "Parcel SF0001 is inside: whoever stands at the door can take it." in page
    # The reason typed on the dashboard comes along, on the keys, to be changed if need be.
    assert 'name="reason" class="keyed" value="hinge check"' in page
    assert 'data-fields="every"' in page and 'id="cancel"' in page
    assert (len(board.opened), len(list(ctx.store.audit_records()))) == (opened, records)
    response = admin.post("/admin/doors/open", label=label, reason="hinge check", confirmed="yes")
    assert f"Door {label} is open" in admin.page(response.location)
    assert len(board.opened) == opened + 1


def test_an_unknown_door_is_refused_before_anything_is_asked(admin):
    response = admin.post("/admin/doors/open", label="Z99", reason="hinge check")
    assert "There is no door Z99" in admin.page(response.location)


def test_a_door_that_cannot_go_out_of_service_is_refused_before_it_is_asked(admin, ctx):
    admin.post("/admin/compartments/out-of-service", label="A01", reason="hinge", confirmed="yes")
    response = admin.post("/admin/compartments/out-of-service", label="A01", reason="again")
    assert "cannot be taken out of service while it is Out of service" in admin.page(
        response.location
    )


def test_disabling_a_courier_asks_first(admin, ctx, courier):
    page = text(admin.post("/admin/couriers/active", courier_id=str(courier.id), active="no"))
    assert f"Disable courier Test Courier (SF Express, id {courier.id})?" in page
    assert 'name="confirmed" value="yes"' in page and 'id="confirm-disable"' in page
    assert login_courier(ctx, courier.id, COURIER_PIN).active
    admin.post("/admin/couriers/active", courier_id=str(courier.id), active="no", confirmed="yes")
    assert not next(c for c in ctx.store.couriers() if c.id == courier.id).active
    # Enabling again takes one tap: it only gives back what was taken.
    response = admin.post("/admin/couriers/active", courier_id=str(courier.id), active="yes")
    assert "Courier account enabled" in admin.page(response.location)


ADMIN_PAGES = [
    "/admin/",
    "/admin/doors",
    "/admin/messages",
    "/admin/reissue",
    "/admin/accounts",
    "/admin/parcels",
    "/admin/parcels?q=SF0001",
    "/admin/alarms",
]


def back_of(page: str) -> str:
    found = re.search(r'<(a|button)[^>]*\bid="back"[^>]*>', page)
    assert found, "no Back on this screen"
    return found[0]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_every_admin_screen_has_a_back(admin, courier, path):
    courier.deposit("SF0001")
    back_of(admin.page(path))


def test_the_confirmations_and_a_parcel_s_history_have_a_back(admin, ctx, courier):
    receipt = courier.deposit("SF0001")
    asked = [
        admin.post("/admin/doors/open", label="B01", reason="leak check"),
        admin.post("/admin/compartments/out-of-service", label="B01", reason="leak"),
        admin.post("/admin/couriers/active", courier_id=str(courier.id), active="no"),
    ]
    for response in asked:
        assert 'name="confirmed" value="yes"' in text(response)
        back_of(text(response))
    back_of(admin.page(f"/admin/parcels/{receipt.parcel.id}"))
    back_of(text(admin.client.get("/admin/login")))


def test_back_on_the_dashboard_leaves_the_service_screens(admin):
    back = back_of(admin.page("/admin/"))
    assert back.startswith("<button")
    dashboard = admin.page("/admin/")
    assert 'name="leave" value="yes"' in dashboard
    response = admin.post("/admin/logout", leave="yes")
    assert response.status_code == 303 and urlparse(response.location).path == "/"
    assert urlparse(admin.client.get("/admin/").location).path == "/admin/login"


def test_back_on_the_login_returns_to_the_home_screen(app):
    page = text(app.test_client().get("/admin/login"))
    assert re.search(r'<a href="/" class="back" id="back">', page)
