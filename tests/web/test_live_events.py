"""Scan results reach every open kiosk page as Server-Sent Events, worded in its language."""

from __future__ import annotations

import json

import pytest

from locker.config import Settings
from locker.health import BusHealth, HardwareHealth
from locker.services.scan_pickup import pickup_by_scan
from locker.services.service_state import set_out_of_service
from locker.web import create_app
from locker.web.live_events import QUEUE_LIMIT, Broadcaster
from locker.web.page_events import scan_event
from tests.web.live_pages import allow_remote_streams


def test_every_page_gets_every_event_and_a_slow_page_loses_only_its_oldest():
    live = Broadcaster()
    fast, slow = live.subscribe(), live.subscribe()
    for n in range(QUEUE_LIMIT + 5):
        live.publish({"n": n})
        fast.get_nowait()
    assert slow.qsize() == QUEUE_LIMIT
    assert slow.get_nowait() == {"n": 5}
    live.unsubscribe(fast)
    live.unsubscribe(slow)
    assert live.subscribers == 0


@pytest.fixture
def app(ctx, db_path, board, clock):
    return create_app(Settings(db=db_path, language="en"), board=board, clock=clock)


def read_events(app, lang: str, publish) -> dict:
    client = app.test_client()
    response = client.get(f"/events?lang={lang}", buffered=False)
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    assert next(chunks).startswith(b": connected")
    publish()
    data = next(chunks).decode()
    response.close()
    assert data.startswith("data: ")
    return json.loads(data[len("data: ") :])


def test_a_camera_pickup_shows_the_open_door_on_the_page(app, ctx, courier):
    receipt = courier.deposit()
    live = app.extensions["locker_live"]
    outcome = pickup_by_scan(ctx, receipt.qr)
    event = read_events(app, "en", lambda: live.publish(scan_event(outcome)))
    assert event["kind"] == "scan"
    assert f"Door {receipt.compartment} is open" in event["html"]


def test_a_refused_scan_is_explained_in_the_pages_language(app, ctx, courier):
    receipt = courier.deposit()
    pickup_by_scan(ctx, receipt.qr)
    again = pickup_by_scan(ctx, receipt.qr)
    live = app.extensions["locker_live"]
    event = read_events(app, "zh", lambda: live.publish(scan_event(again)))
    assert "该包裹已被取走" in event["html"]
    assert 'data-reason="used"' in event["html"]


def test_a_waybill_scan_reaches_only_the_lockers_own_screen(app, ctx):
    allow_remote_streams(app)
    live = app.extensions["locker_live"]
    outcome = pickup_by_scan(ctx, "SF2026111100001")

    def heard(address: str) -> dict:
        response = app.test_client().get(
            "/events", buffered=False, environ_base={"REMOTE_ADDR": address}
        )
        chunks = iter(response.response)
        next(chunks)
        live.publish(scan_event(outcome))
        data = next(chunks).decode()
        response.close()
        return json.loads(data[len("data: ") :])

    assert heard("127.0.0.1")["tracking"] == "SF2026111100001"
    assert "tracking" not in heard("10.0.0.7")


def test_a_scan_for_an_out_of_service_door_says_so_and_is_logged(app, ctx, courier, board):
    receipt = courier.deposit()
    label = receipt.compartment
    set_out_of_service(ctx, "admin", label, "hinge broken")
    fired = len(board.opened)

    outcome = pickup_by_scan(ctx, receipt.qr)

    live = app.extensions["locker_live"]
    event = read_events(app, "en", lambda: live.publish(scan_event(outcome)))
    assert f"Door {label} is out of service" in event["html"]
    assert f"quote door {label}" in event["html"]
    assert "did not open" not in event["html"]
    assert len(board.opened) == fired
    refused = [r for r in ctx.store.audit_records() if r.action == "pickup.refused"][-1]
    assert refused.subject == label
    assert refused.details["door"] == label
    assert refused.details["reason"] == "out_of_service"
    assert refused.details["parcel_id"] == receipt.parcel.id


def test_a_scan_with_the_bus_down_says_the_doors_are_out_of_reach(app, ctx, courier, board):
    receipt = courier.deposit()
    board.unplugged.add("main")

    outcome = pickup_by_scan(ctx, receipt.qr)

    live = app.extensions["locker_live"]
    event = read_events(app, "zh", lambda: live.publish(scan_event(outcome)))
    assert 'data-reason="unreachable"' in event["html"]
    assert "取件码仍然有效" in event["html"]
    assert ctx.store.compartment(receipt.compartment).state.value == "occupied"


def test_an_open_page_hears_when_the_doors_go_out_of_reach_and_come_back(
    ctx, db_path, board, clock
):
    buses = [BusHealth("main", "/dev/ttyUSB0", connected=True, reconnects=0)]
    app = create_app(
        Settings(db=db_path, language="en"),
        board=board,
        clock=clock,
        health=lambda: HardwareHealth(list(buses)),
    )
    response = app.test_client().get("/events", buffered=False)
    chunks = iter(response.response)
    assert next(chunks).startswith(b": connected")

    def next_data() -> dict:
        for _, chunk in zip(range(10), chunks, strict=False):  # a heartbeat a second meanwhile
            if chunk.startswith(b"data: "):
                return json.loads(chunk.decode()[len("data: ") :])
        raise AssertionError("no event in ten seconds")

    buses[0] = BusHealth("main", "/dev/ttyUSB0", connected=False, reconnects=0)
    assert next_data() == {"kind": "doors", "reachable": False}
    buses[0] = BusHealth("main", "/dev/ttyUSB0", connected=True, reconnects=1)
    assert next_data() == {"kind": "doors", "reachable": True}
    response.close()
