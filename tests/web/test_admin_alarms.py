"""Alarms acknowledged with a note, alarms and the door log in words, and doors left standing
open on the dashboard's attention list."""

from __future__ import annotations

import re

import pytest

from locker.config import Settings
from locker.domain.door_watch import DoorWatch
from locker.domain.models import Size
from locker.ports import DoorEvent, DoorEventKind
from locker.services.collect_parcel import collect_by_code
from locker.services.deposit_parcel import deposit_parcel
from locker.services.door_events import handle_door_event
from locker.services.errors import DoorDidNotOpenError
from locker.web import create_app
from tests.web.test_admin_area import AdminActions, text

REMINDER_S = 60


@pytest.fixture
def app(ctx, db_path, board, clock):
    settings = Settings(db=db_path, language="en", door_open_reminder_seconds=REMINDER_S)
    return create_app(settings, board=board, clock=clock)


@pytest.fixture
def admin(app) -> AdminActions:
    actions = AdminActions(app.test_client())
    actions.login()
    return actions


def forced_open(ctx, label: str) -> int:
    """A door opened with no command from the locker: the alarm's sequence number."""
    handle_door_event(
        ctx, DoorEvent(ctx.store.compartment(label).address, DoorEventKind.OPENED), DoorWatch()
    )
    return [r for r in ctx.store.audit_records() if r.action.startswith("alarm.")][-1].seq


def alarm_rows(page: str) -> list[str]:
    table = re.search(r'<table id="alarms">(.*?)</table>', page, re.S)
    return re.findall(r'<tr data-action="[^"]+" data-seq="(\d+)">', table[1]) if table else []


def test_an_alarm_acknowledged_with_a_note_leaves_the_dashboard(admin, ctx, clock):
    seq = forced_open(ctx, "B01")
    dashboard = admin.page("/admin/")
    assert alarm_rows(dashboard) == [str(seq)]
    assert f"/admin/alarms?ack={seq}" in dashboard
    asking = admin.page(f"/admin/alarms?ack={seq}")
    assert f'<div class="notice error" id="acknowledging" data-seq="{seq}">' in asking
    assert 'name="note"' in asking and 'data-fields="every"' in asking

    response = admin.post("/admin/alarms/acknowledge", seq=str(seq), note="cleaner, door shut")

    assert f"Alarm {seq} is acknowledged" in admin.page(response.location)
    record = list(ctx.store.audit_records())[-1]
    assert (record.actor, record.action, record.subject) == (
        "admin:admin",
        "alarm.acknowledged",
        str(seq),
    )
    assert record.details == {"note": "cleaner, door shut", "admin": "admin"}
    assert alarm_rows(admin.page("/admin/")) == []
    assert str(seq) not in alarm_rows(admin.page("/admin/alarms"))
    # A second alarm on the same door is a new one: it is listed.
    clock.advance(minutes=1)
    again = forced_open(ctx, "B01")
    assert alarm_rows(admin.page("/admin/")) == [str(again)]


def test_an_acknowledgement_needs_a_note_and_an_open_alarm(admin, ctx):
    seq = forced_open(ctx, "B01")
    response = admin.post("/admin/alarms/acknowledge", seq=str(seq), note="  ")
    assert response.status_code == 400
    assert "Write a note" in text(response) and f'data-seq="{seq}"' in text(response)
    response = admin.post("/admin/alarms/acknowledge", seq="1", note="not an alarm")
    assert "There is no alarm 1." in admin.page(response.location)
    admin.post("/admin/alarms/acknowledge", seq=str(seq), note="seen")
    response = admin.post("/admin/alarms/acknowledge", seq=str(seq), note="seen too")
    assert "acknowledged already, by admin" in admin.page(response.location)
    assert [r.action for r in ctx.store.audit_records()].count("alarm.acknowledged") == 1


def test_alarm_details_are_words_not_json(admin, ctx, courier, board):
    receipt = courier.deposit()
    forced_open(ctx, "B01")
    ctx.store.append_audit("system", "alert.door_left_open", "B01", {"minutes": 5}, ctx.clock.now())
    board.stuck.add(ctx.store.compartment(receipt.compartment).address)
    with pytest.raises(DoorDidNotOpenError):
        collect_by_code(ctx, receipt.code)
    page = admin.page("/admin/")
    details = re.findall(r'<td class="details">(.*?)</td>', page, re.S)
    assert details and not any("{" in d or '"' in d for d in details), details
    assert "Door B01 stood open for 5 minutes." in page
    assert "Door B01 was opened with no command from the locker." in page
    assert f"Door {receipt.compartment} did not open (pickup)" in page
    chinese = admin.page("/admin/?lang=zh")
    assert "B01 号柜门敞开了 5 分钟。" in chinese


def test_the_door_log_names_the_parcel_of_each_row(admin, ctx, courier, board):
    receipt = courier.deposit("SF0001")
    collect_by_code(ctx, receipt.code)
    board.stuck.update(c.address for c in ctx.store.compartments())
    with pytest.raises(DoorDidNotOpenError):
        deposit_parcel(ctx, courier.id, "SF0002", "13812345678", Size.S)
    page = admin.page("/admin/doors")
    rows = dict(
        re.findall(r'data-purpose="(\w+)"[^>]*>.*?<td class="parcel">(.*?)</td>', page, re.S)
    )
    assert f"/admin/parcels/{receipt.parcel.id}" in rows["collect"] and "SF0001" in rows["collect"]
    # A deposit whose door did not open recorded no parcel: its tracking number says which.
    assert "SF0002" in page and "/admin/parcels?q=SF0002" in page
    csv_rows = text(admin.client.get("/admin/doors.csv")).splitlines()
    assert csv_rows[0].endswith(",parcel_tracking")
    assert sum(row.endswith(",SF0001") for row in csv_rows) == 2  # the deposit and the pickup


def attention(page: str) -> dict[str, str]:
    table = re.search(r'<table id="attention">(.*?)</table>', page, re.S)
    if table is None:
        return {}
    return dict(re.findall(r'<tr data-label="(\w+)" data-state="(\w+)"', table[1]))


def test_a_door_standing_open_past_the_reminder_needs_attention(admin, ctx, courier, clock):
    receipt = courier.deposit("SF0001")
    label = receipt.compartment
    clock.advance(minutes=5)
    forced_open(ctx, label)  # the board reports it open: a parcel is behind it
    clock.advance(seconds=REMINDER_S)
    assert attention(admin.page("/admin/")) == {}  # open only as long as the reminder
    clock.advance(seconds=61)
    page = admin.page("/admin/")
    assert attention(page) == {label: "occupied"}
    assert "Standing open for 2 minutes, since 2026-11-11 17:05:00" in page
    assert "SF0001" in re.search(r'<table id="attention">(.*?)</table>', page, re.S)[1]
    handle_door_event(
        ctx,
        DoorEvent(ctx.store.compartment(label).address, DoorEventKind.CLOSED, True),
        DoorWatch(),
    )
    assert attention(admin.page("/admin/")) == {}


def test_a_door_unlocked_and_never_reported_shut_needs_attention(admin, ctx, courier, clock):
    # The deposit's door was unlocked; the courier never shut it and the board reported nothing.
    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    clock.advance(seconds=REMINDER_S + 1)
    assert attention(admin.page("/admin/")) == {receipt.compartment: "open"}


def test_a_pickup_with_the_bus_down_is_an_alarm_that_names_the_bus_not_the_door(
    admin, ctx, courier, board
):
    receipt = courier.deposit()
    board.unplugged.add("main")
    with pytest.raises(DoorDidNotOpenError):
        collect_by_code(ctx, receipt.code)
    page = admin.page("/admin/")
    assert f"Door {receipt.compartment} was not reached: its bus was down" in page
    assert 'data-action="door.unreachable"' in page
    assert ctx.store.compartment(receipt.compartment).state.value == "occupied"
    assert "未能连接" in admin.page("/admin/?lang=zh")
