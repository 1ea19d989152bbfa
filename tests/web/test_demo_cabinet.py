"""`/demo`: the virtual cabinet drives the simulated boards and the synthetic camera."""

from __future__ import annotations

import re
import time

import cv2
import numpy as np
import pytest

from locker.config import Settings
from locker.domain.message_texts import local_time
from locker.domain.models import Size
from locker.message_channel import DEMO
from locker.notify.demo_inbox import DemoInbox
from locker.scanner.decoding import FrameDecoder
from locker.scanner.demo_camera import DemoCamera
from locker.services.accounts import (
    add_courier,
    issue_badge,
    login_by_badge,
    set_courier_active,
)
from locker.services.cancel_deposit import cancel_deposit
from locker.services.collect_parcel import collect_by_qr
from locker.services.context import LockerContext
from locker.services.deliver_messages import deliver_next
from locker.services.deposit_parcel import DepositReceipt, deposit_parcel
from locker.services.door_closed import door_closed
from locker.services.errors import DoorDidNotOpenError
from locker.web import create_app
from locker.web.demo import DemoTools
from locker.web.repeat_guard import RepeatGuard
from tests.hardware.conftest import running_locker


def post(client, path):
    page = client.get("/demo/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, data={"csrf_token": token})


def test_the_cabinet_page_shows_and_moves_the_simulated_doors(
    ctx, courier, clock, db_path, lock_dir
):
    with running_locker(ctx, db_path, clock) as (bench, _, _):
        camera = DemoCamera()
        tools = DemoTools({"main": bench}, camera)
        settings = Settings(db=db_path, language="en")
        client = create_app(settings, ctx.board, clock=clock, demo=tools).test_client()

        receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
        page = client.get("/demo/").get_data(as_text=True)
        assert page.count("data-label=") == 6
        row = page.split(f'data-label="{receipt.compartment}"')[1].split("</tr>")[0]
        assert "OPEN" in row and "SF0001" in row

        post(client, f"/demo/close/{receipt.compartment}")
        address = ctx.store.compartment(receipt.compartment).address
        assert tools.door(address)["door_closed"] is True

        post(client, f"/demo/show/{receipt.parcel.id}")
        [code] = FrameDecoder().decode(camera.read())
        assert code.text == receipt.qr


def test_the_cabinet_page_exists_only_in_demo_mode(ctx, db_path):
    response = create_app(Settings(db=db_path)).test_client().get("/demo/")
    assert response.status_code == 404


def test_the_cabinet_page_holds_a_couriers_new_badge_up_to_the_camera(
    ctx, courier, clock, db_path, lock_dir
):
    other = add_courier(ctx, "ZTO", "Paused Courier", "135791", "test")
    set_courier_active(ctx, other.id, False, "test")
    earlier = issue_badge(ctx, courier.id, "test")
    with running_locker(ctx, db_path, clock) as (bench, _, _):
        camera = DemoCamera()
        tools = DemoTools({"main": bench}, camera)
        settings = Settings(db=db_path, language="en")
        client = create_app(settings, ctx.board, clock=clock, demo=tools).test_client()

        page = client.get("/demo/").get_data(as_text=True)
        assert f'data-courier="{courier.id}"' in page
        assert f'data-courier="{other.id}"' not in page  # only active couriers
        assert "Test Courier" not in page  # the page is public: no names

        response = post(client, f"/demo/badge/{courier.id}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/demo/")
        [code] = FrameDecoder().decode(camera.read())
        assert code.text.startswith("CB1:") and code.text != earlier
        assert login_by_badge(ctx, code.text).id == courier.id
        assert post(client, f"/demo/badge/{other.id}").status_code == 404


# --- the demo phone: /demo/messages -------------------------------------------------------------


def phone_locker(ctx, inbox: DemoInbox) -> LockerContext:
    """The test locker with the demo phone as its one channel, as `locker run --demo` has it."""
    return LockerContext(ctx.store, ctx.board, ctx.clock, ctx.rules, channels={DEMO: inbox})


def deliver_all(ctx: LockerContext) -> None:
    while deliver_next(ctx) is not None:
        pass


def deposit_told(
    ctx: LockerContext, courier, tracking: str, phone: str, language: str = "en", **more
) -> DepositReceipt:
    """A parcel in, its door shut on it, and its message delivered."""
    receipt = deposit_parcel(ctx, courier.id, tracking, phone, Size.S, language=language, **more)
    courier.close(receipt.compartment, item_present=True)
    deliver_all(ctx)
    return receipt


def phone_client(db_path, ctx, clock, inbox, camera=None, language="en"):
    tools = DemoTools(camera=camera, inbox=inbox)
    settings = Settings(db=db_path, language=language)
    return create_app(settings, ctx.board, clock=clock, demo=tools).test_client()


def post_from_phone(client, path):
    page = client.get("/demo/messages").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, data={"csrf_token": token})


def received_items(page: str) -> list[tuple[int, str]]:
    """(number, the item's HTML) of each message on the phone's page, top first."""
    parts = page.split('<li class="received" data-number="')[1:]
    return [(int(part.split('"', 1)[0]), part.split("</li>", 1)[0]) for part in parts]


def decode_png(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None, "not a PNG"
    [code] = FrameDecoder().decode(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    return code.text


def test_the_phone_shows_each_message_newest_first_as_its_recipient_reads_it(
    ctx, courier, clock, db_path
):
    inbox = DemoInbox()
    phoned = phone_locker(ctx, inbox)
    first = deposit_told(phoned, courier, "SF0001", "13812345678")
    second = deposit_told(phoned, courier, "SF0002", "13987654321", email="ann@example.com")
    client = phone_client(db_path, ctx, clock, inbox)

    page = client.get("/demo/messages").get_data(as_text=True)

    items = received_items(page)
    assert [number for number, _ in items] == [2, 1]
    newest, oldest = items[0][1], items[1][1]
    for item, receipt in ((newest, second), (oldest, first)):
        assert f"Pickup code {receipt.code}" in item  # the SMS
        assert "Your parcel is at Test locker" in item  # the e-mail's subject
        assert f"door {receipt.compartment}" in item
        assert "Storage is free until" in item
    assert 'src="/demo/messages/2/qr.png"' in newest
    # The phone is the recipient's own, but the page is open to anyone at a demo.
    assert "139****4321" in newest and "13987654321" not in page
    assert client.get("/demo/messages/newest").get_json() == {"newest": 2}


def test_the_qr_in_a_message_is_an_image_of_the_parcels_pickup_qr(ctx, courier, clock, db_path):
    inbox = DemoInbox()
    receipt = deposit_told(phone_locker(ctx, inbox), courier, "SF0001", "13812345678")
    client = phone_client(db_path, ctx, clock, inbox)

    response = client.get("/demo/messages/1/qr.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    assert decode_png(response.data) == receipt.qr


def test_holding_a_messages_qr_up_shows_it_to_the_camera(ctx, courier, clock, db_path):
    inbox, camera = DemoInbox(), DemoCamera()
    receipt = deposit_told(phone_locker(ctx, inbox), courier, "SF0001", "13812345678")
    client = phone_client(db_path, ctx, clock, inbox, camera)
    assert "show-message-qr" in client.get("/demo/messages").get_data(as_text=True)

    response = post_from_phone(client, "/demo/messages/1/show")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/demo/messages")
    [code] = FrameDecoder().decode(camera.read())
    assert code.text == receipt.qr


def test_a_message_in_chinese_gives_the_deadline_and_says_storage_is_free(
    ctx, courier, clock, db_path
):
    inbox = DemoInbox()
    receipt = deposit_told(
        phone_locker(ctx, inbox), courier, "SF0001", "13812345678", language="zh"
    )
    client = phone_client(db_path, ctx, clock, inbox, language="zh")

    [(_, item)] = received_items(client.get("/demo/messages").get_data(as_text=True))

    deadline = ctx.store.parcel(receipt.parcel.id).expires_at
    assert f"取件码{receipt.code}" in item
    assert f"{local_time(deadline, 'Asia/Shanghai', 'zh')}前免费保管" in item


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/demo/messages/2/qr.png"),  # no such message
        ("get", "/demo/messages/0/qr.png"),
        ("get", f"/demo/messages/{2**64}/qr.png"),  # more than SQLite or anyone counts
        ("get", "/demo/messages/１/qr.png"),  # a digit, but not ASCII
        ("get", "/demo/messages/-1/qr.png"),
        ("post", "/demo/messages/2/show"),
        ("post", f"/demo/messages/{2**64}/show"),
    ],
)
def test_a_message_the_phone_never_received_is_not_found(
    ctx, courier, clock, db_path, method, path
):
    inbox = DemoInbox()
    deposit_told(phone_locker(ctx, inbox), courier, "SF0001", "13812345678")
    client = phone_client(db_path, ctx, clock, inbox, DemoCamera())

    if method == "get":
        assert client.get(path).status_code == 404
    else:
        assert post_from_phone(client, path).status_code == 404


def test_a_message_without_a_qr_has_no_image_and_no_button(ctx, courier, clock, db_path):
    inbox = DemoInbox()
    phoned = phone_locker(ctx, inbox)
    receipt = deposit_told(phoned, courier, "SF0001", "13812345678")
    clock.advance(minutes=1)
    # The courier takes it back after the recipient was told: a "withdrawn" notice, no QR.
    cancel_deposit(phoned, courier.id, receipt.parcel.tracking)
    ctx.board.close_door(ctx.store.compartment(receipt.compartment).address, False)
    door_closed(phoned, receipt.compartment, item_present=False)
    deliver_all(phoned)
    client = phone_client(db_path, ctx, clock, inbox, DemoCamera())

    items = received_items(client.get("/demo/messages").get_data(as_text=True))

    assert [number for number, _ in items] == [2, 1]
    assert "taken back by the courier" in items[0][1]
    assert "qr.png" not in items[0][1] and "show-message-qr" not in items[0][1]
    assert client.get("/demo/messages/2/qr.png").status_code == 404
    assert post_from_phone(client, "/demo/messages/2/show").status_code == 404


def test_the_phone_is_linked_from_the_cabinet_and_exists_only_in_demo_mode(
    ctx, clock, db_path, lock_dir
):
    with running_locker(ctx, db_path, clock) as (bench, _, _):
        with_phone = DemoTools({"main": bench}, DemoCamera(), inbox=DemoInbox())
        settings = Settings(db=db_path, language="en")
        client = create_app(settings, ctx.board, clock=clock, demo=with_phone).test_client()
        assert 'href="/demo/messages"' in client.get("/demo/").get_data(as_text=True)
        assert "No message yet" in client.get("/demo/messages").get_data(as_text=True)
        assert client.get("/demo/messages/newest").get_json() == {"newest": 0}

        without = DemoTools({"main": bench}, DemoCamera())
        client = create_app(settings, ctx.board, clock=clock, demo=without).test_client()
        assert 'href="/demo/messages"' not in client.get("/demo/").get_data(as_text=True)
        assert client.get("/demo/messages").status_code == 404

    not_demo = create_app(Settings(db=db_path)).test_client()
    for path in ("/demo/messages", "/demo/messages/newest", "/demo/messages/1/qr.png"):
        assert not_demo.get(path).status_code == 404


def wait_until(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)  # the bus's own thread notices the cable
    return bool(condition())


def test_the_cabinet_page_pulls_a_buss_cable_out_and_plugs_it_back(
    ctx, courier, clock, db_path, lock_dir
):
    with running_locker(ctx, db_path, clock) as (bench, _, _):
        app = create_app(
            Settings(db=db_path, language="en"),
            ctx.board,
            clock=clock,
            demo=DemoTools({"main": bench}),
        )
        # The repeat guard holds a tap for a few seconds: on the test's clock here.
        app.extensions["locker_repeats"] = RepeatGuard(lambda: clock.now().timestamp())
        client = app.test_client()
        receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
        address = ctx.store.compartment(receipt.compartment).address
        bench.model.close_door(address.board, address.channel)
        bus = next(iter(ctx.board.drivers.values())).bus

        post(client, "/demo/bus/main/cable")
        assert 'data-bus="main" data-unplugged="yes"' in client.get("/demo/").get_data(as_text=True)
        assert wait_until(lambda: not bus.connected)
        with pytest.raises(DoorDidNotOpenError) as refusal:
            collect_by_qr(ctx, receipt.qr)
        assert refusal.value.outcome == "not_sent"

        clock.advance(seconds=10)
        post(client, "/demo/bus/main/cable")
        assert 'data-unplugged="no"' in client.get("/demo/").get_data(as_text=True)
        assert wait_until(lambda: bus.connected)
        assert collect_by_qr(ctx, receipt.qr).compartment == receipt.compartment
