"""Held doors on the screens: not counted as free for others, and listed for staff."""

from __future__ import annotations

import pytest

from locker.config import Settings
from locker.services.remote_actions import RemoteAction, run_remote_action
from locker.web import create_app
from tests.conftest import CourierActions
from tests.web.test_admin_area import AdminActions
from tests.web.test_courier_area import CourierScreens

HOUR = 3600


def place(ctx, hold: str = "R-1", carrier: str = "JD", size: str = "S", count: int = 2) -> None:
    args = {
        "hold": hold,
        "carrier": carrier,
        "size": size,
        "count": count,
        "expires_at": int(ctx.clock.now().timestamp()) + HOUR,
    }
    run_remote_action(ctx, RemoteAction("hold", args, "centre", ()), 3)


@pytest.fixture
def app(ctx, db_path, board, clock):
    return create_app(Settings(db=db_path, language="en"), board=board, clock=clock)


def test_the_home_screen_counts_held_doors_as_taken(app, ctx):
    place(ctx, count=1)

    assert app.test_client().get("/free.json").get_json()["free"] == {
        "S": 1,
        "M": 2,
        "L": 1,
        "XL": 1,
    }
    assert 'data-size="S">S: <strong>1</strong>' in app.test_client().get("/").get_data(
        as_text=True
    )


def test_a_courier_sees_the_doors_their_carrier_holds_as_free_and_others_held_ones_not(app, ctx):
    place(ctx)
    jd = CourierActions(ctx, carrier="JD")
    sf = CourierActions(ctx, carrier="SF")

    jd_screens = CourierScreens(app.test_client())
    jd_screens.login(jd.id)
    sf_screens = CourierScreens(app.test_client())
    sf_screens.login(sf.id)

    assert jd_screens.client.get("/courier/free.json").get_json()["free"]["S"] == 2
    assert sf_screens.client.get("/courier/free.json").get_json()["free"]["S"] == 0
    assert sf_screens.client.get("/courier/free.json").get_json()["fitting"]["S"] == 4


def test_staff_see_each_active_hold_on_the_dashboard(app, ctx, clock):
    place(ctx)
    place(ctx, hold="R-2", carrier="SF", size="M", count=1)
    admin = AdminActions(app.test_client())
    admin.login()

    page = admin.page("/admin/")

    assert 'data-hold="R-1"' in page and 'data-hold="R-2"' in page
    row = page[page.index('data-hold="R-1"') :].split("</tr>")[0]
    # The fake clock's 09:00 UTC plus an hour, in the locker's zone (Asia/Shanghai).
    for shown in ("JD", ">S<", ">2<", "2026-11-11 18:00:00"):
        assert shown in row


def test_the_dashboard_says_when_no_doors_are_held(app):
    admin = AdminActions(app.test_client())
    admin.login()

    assert 'id="holds-none"' in admin.page("/admin/")
