"""Admins manage courier and admin accounts; anonymous visitors reach none of it."""

from __future__ import annotations

import re

import pytest

from locker.config import Settings
from locker.services.accounts import check_admin, login_courier
from locker.services.errors import AuthenticationError
from locker.web import create_app
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def admin(ctx, db_path, board, clock):
    client = create_app(Settings(db=db_path, language="en"), board=board, clock=clock).test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    client.post(
        "/admin/login",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token(page)},
    )

    def post(path, **data):
        page = client.get("/admin/accounts").get_data(as_text=True)
        return client.post(path, data={**data, "csrf_token": token(page)}, follow_redirects=True)

    client.post_form = post
    return client


def test_anonymous_visitors_get_the_login_not_the_accounts(ctx, db_path):
    client = create_app(Settings(db=db_path)).test_client()
    for path in ("/admin/accounts",):
        response = client.get(path)
        assert response.status_code == 303 and "/admin/login" in response.headers["Location"]
    for path in ("/admin/couriers", "/admin/admins", "/admin/password"):
        assert client.post(path).status_code in (303, 400)


def test_an_admin_adds_a_courier_who_can_then_log_in(admin, ctx):
    page = admin.post_form("/admin/couriers", carrier="ZTO", name="Wang Fang", pin="864213")
    found = re.search(r"log in with id (\d+)", page.get_data(as_text=True))
    assert found
    assert login_courier(ctx, int(found.group(1)), "864213").name == "Wang Fang"


def test_a_disabled_courier_cannot_log_in_and_a_new_pin_works(admin, ctx, courier):
    admin.post_form(
        "/admin/couriers/active", courier_id=str(courier.id), active="no", confirmed="yes"
    )
    with pytest.raises(AuthenticationError):
        login_courier(ctx, courier.id, COURIER_PIN)
    admin.post_form("/admin/couriers/active", courier_id=str(courier.id), active="yes")
    admin.post_form("/admin/couriers/pin", courier_id=str(courier.id), pin="975310")
    assert login_courier(ctx, courier.id, "975310").id == courier.id


@pytest.mark.parametrize(
    ("carrier", "name"),
    [("ZTO\x00", "Wang Fang"), ("ZTO", "Wang\r\nFang"), ("ZTO", "\x1b[2J"), ("ZTO", "x" * 65)],
)
def test_a_courier_whose_carrier_or_name_is_not_one_short_line_is_not_added(
    admin, ctx, carrier, name
):
    page = admin.post_form("/admin/couriers", carrier=carrier, name=name, pin="864213")
    assert "1 to 64 characters on one line" in page.get_data(as_text=True)
    assert list(ctx.store.couriers()) == []


# Python's int() reads full-width digits and underscores: "１" would be courier 1.
@pytest.mark.parametrize("courier_id", ["99999999999999999999", "１", "²", "1_0", " 1 1"])
def test_a_form_naming_no_courier_is_refused_and_changes_no_courier(
    admin, courier, ctx, courier_id
):
    changes = {"/admin/couriers/active": {"active": "no"}, "/admin/couriers/pin": {"pin": "975310"}}
    for path, values in changes.items():
        page = admin.post_form(path, courier_id=courier_id, **values)
        assert '<p class="notice error"' in page.get_data(as_text=True)
    assert login_courier(ctx, courier.id, COURIER_PIN).active


def test_a_bad_pin_is_refused_with_a_message(admin, courier):
    page = admin.post_form("/admin/couriers/pin", courier_id=str(courier.id), pin="2468")
    assert "PIN is 6 to 12 digits" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "form", "chinese"),
    [
        ("/admin/couriers/pin", {"courier_id": "COURIER", "pin": "2468"}, "密码为 6 到 12 位数字"),
        ("/admin/couriers/pin", {"courier_id": "424242", "pin": "864213"}, "424242"),
        ("/admin/couriers", {"carrier": "", "name": "Wang", "pin": "864213"}, "快递公司"),
        ("/admin/admins", {"username": "o p", "password": "another-long-one"}, "用户名"),
        ("/admin/admins", {"username": "ops", "password": "short"}, "8"),
        ("/admin/admins", {"username": "admin", "password": "another-long-one"}, "admin"),
    ],
)
def test_account_refusals_are_worded_in_chinese_on_a_chinese_screen(
    admin, courier, path, form, chinese
):
    admin.get("/admin/accounts?lang=zh")
    if form.get("courier_id") == "COURIER":
        form = {**form, "courier_id": str(courier.id)}
    page = admin.post_form(path, **form).get_data(as_text=True)
    refusal = re.search(r'class="notice error"[^>]*>([^<]*)<', page)
    assert refusal, "no refusal was shown"
    assert chinese in refusal.group(1)
    assert re.search(r"[\u4e00-\u9fff]", refusal.group(1)), refusal.group(1)


def test_admins_add_admins_and_change_their_own_password(admin, ctx):
    admin.post_form("/admin/admins", username="ops", password="another-long-one")
    check_admin(ctx, "ops", "another-long-one")
    admin.post_form("/admin/password", current=ADMIN_PASSWORD, password="brand-new-secret")
    check_admin(ctx, "admin", "brand-new-secret")
    with pytest.raises(AuthenticationError):
        check_admin(ctx, "admin", ADMIN_PASSWORD)


def test_the_dashboard_shows_the_buses_and_the_camera(ctx, db_path, board, clock):
    from locker.health import BusHealth, HardwareHealth

    health = HardwareHealth([BusHealth("main", "/dev/ttyUSB0", False, 3)], None)
    app = create_app(
        Settings(db=db_path, language="en"), board=board, clock=clock, health=lambda: health
    )
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    client.post(
        "/admin/login",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token(page)},
    )
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'data-bus="main"' in dashboard and "not connected" in dashboard
    assert "reconnects: 3" in dashboard and "none configured" in dashboard
