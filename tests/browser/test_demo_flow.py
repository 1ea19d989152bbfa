"""End to end in Chromium, through the demo: deposit, pickup by camera, door closed, door log.

The kiosk runs the whole demo stack: the simulated Kerong bus on a pty, the dispatcher, the
synthetic camera behind the real capture, motion gate, decoder and debouncer, and `/demo`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from locker.services.context import SystemClock
from tests.browser.demo_stack import demo_kiosk
from tests.browser.forms import submit
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN


@pytest.fixture
def clock():
    """Real time: the door events and the camera run on it."""
    return SystemClock()


@pytest.fixture
def kiosk_app(ctx, db_path, live_events, lock_dir) -> Iterator:
    with demo_kiosk(ctx, db_path, live_events) as app:
        yield app


@pytest.mark.parametrize(
    ("lang", "door_open", "deposited_text"),
    [("en", "Door A01 is open", "Deposited"), ("zh", "A01 号柜门已打开", "投递完成")],
    ids=["en", "zh"],
)
def test_deposit_pickup_by_camera_and_the_door_log(
    page, screenshot, courier, ctx, lang, door_open, deposited_text
):
    page.goto(f"/?lang={lang}")
    screenshot("home")

    # A courier logs in and deposits.
    page.goto("/courier/login")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    screenshot("courier-login")
    page.click("#login")
    page.click("#go-deposit")
    page.fill("#tracking", "SF20261111")
    page.fill("#phone", "13812345678")
    screenshot("deposit-form")
    page.click("#open-door")
    expect(page.locator("#result")).to_contain_text(door_open)
    screenshot("door-open")

    # The door is shut at the cabinet; the courier's screen hears of it.
    demo = page.context.new_page()
    demo.goto("/demo/")
    screenshot("demo-cabinet", full_page=True, of=demo)
    demo.locator('tr[data-label="A01"] button.close-door').click()
    expect(page.locator("#step")).to_contain_text(deposited_text)
    screenshot("deposited")

    # The recipient holds the QR up to the camera: the home screen shows the open door.
    page.goto("/")
    demo.goto("/demo/")
    demo.locator('button.show-qr[data-tracking="SF20261111"]').click()
    expect(page.locator("#live-result .opened")).to_contain_text(door_open)
    expect(page.locator("#live-result .door.highlight")).to_have_text("A01")
    screenshot("pickup-by-camera")
    parcel = ctx.store.parcel_by_tracking("SF20261111")
    assert parcel.state.value == "collected"

    # The door is shut again; the admin sees each step in the door log.
    demo.goto("/demo/")
    demo.locator('tr[data-label="A01"] button.close-door').click()
    page.goto("/admin/login")
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', ADMIN_PASSWORD)
    submit(page, "#login")
    page.goto("/admin/doors")
    log = page.locator("#door-log")
    expect(log).to_contain_text("deposit")
    expect(log).to_contain_text("collect")
    screenshot("door-log")
