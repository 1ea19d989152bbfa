"""Every time on a screen is in the locker's time zone (the `timezone` setting): stored in UTC at
16:30 on the 11th, it reads 00:30 on the 12th in Shanghai."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from locker.config import Settings
from locker.services.deliver_messages import deliver_next
from locker.services.expire_overdue import expire_overdue
from locker.services.force_open import force_open
from locker.web import create_app
from tests.web.test_admin_area import AdminActions
from tests.web.test_courier_area import CourierScreens, text

STORED = datetime(2026, 11, 11, 16, 30, tzinfo=UTC)
# (setting, the stored moment as the admin's tables show it, as the courier's screens do)
ZONES = [
    ("Asia/Shanghai", "2026-11-12 00:30:00", "15 Nov 00:30"),
    ("America/New_York", "2026-11-11 11:30:00", "14 Nov 11:30"),
    ("UTC", "2026-11-11 16:30:00", "14 Nov 16:30"),
]


@pytest.fixture(params=ZONES, ids=[zone for zone, _, _ in ZONES])
def zone(request):
    return request.param


@pytest.fixture
def app(ctx, db_path, board, clock, zone):
    clock.current = STORED
    settings = Settings(db=db_path, language="en", timezone=zone[0])
    return create_app(settings, board=board, clock=clock, channels=ctx.channels)


@pytest.fixture
def admin(app) -> AdminActions:
    actions = AdminActions(app.test_client())
    actions.login()
    return actions


def test_the_door_log_shows_local_times_and_filters_by_local_days(admin, ctx, zone):
    force_open(ctx, "admin", "A01", "hinge check")
    page = admin.page("/admin/doors")
    assert zone[1] in page and f"Time ({zone[0]})" in page
    local_day = zone[1][:10]
    assert 'data-door="A01"' in admin.page(f"/admin/doors?from={local_day}&to={local_day}")
    other_day = "2026-11-11" if local_day == "2026-11-12" else "2026-11-12"
    assert 'data-door="A01"' not in admin.page(f"/admin/doors?from={other_day}&to={other_day}")


def test_the_dashboards_alarms_show_local_times(admin, ctx, zone):
    ctx.store.append_audit("system", "alert.door_left_open", "A01", {}, STORED)
    page = admin.page("/admin/")
    alarm = re.search(r'<tr data-action="alert.door_left_open"[^>]*><td>(.*?)</td>', page)
    assert alarm and alarm[1] == zone[1][:19]


def test_the_messages_page_shows_local_times(admin, ctx, courier, zone):
    courier.deposit()
    deliver_next(ctx)
    page = admin.page("/admin/messages")
    assert f"created {zone[1]}" in page and f"delivered {zone[1]}" in page
    assert f"Times ({zone[0]})" in page


def test_the_take_back_list_shows_when_each_parcel_expired(app, ctx, courier, clock, zone):
    courier.deposit("SF0000000009")  # at 16:30 UTC, untold: 72 hours from the deposit
    clock.advance(hours=73)
    expire_overdue(ctx)
    screens = CourierScreens(app.test_client())
    screens.login(courier.id)
    page = text(screens.client.get("/courier/retrieve"))
    assert f"expired {zone[2]}" in page
