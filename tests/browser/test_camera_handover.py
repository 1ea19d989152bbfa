"""In Chromium, through the demo: what the camera sees reaches the kiosk page's own session.

A courier's badge held up to the camera logs the courier in on the page that listens, and a
recipient with more parcels opens them with one press. Only one-time tickets cross `/events`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.services.context import SystemClock
from locker.services.deposit_parcel import deposit_parcel
from tests.browser.demo_stack import demo_kiosk
from tests.scanner_runtime.support import wait_until

PHONE = "13812345678"


@pytest.fixture
def clock():
    """Real time: the door events, the camera and the tickets run on it."""
    return SystemClock()


@pytest.fixture
def kiosk_app(ctx, db_path, live_events, lock_dir) -> Iterator:
    with demo_kiosk(ctx, db_path, live_events) as app:
        yield app


def listening(page, live_events, path: str) -> None:
    """Open `path` and wait until its event stream is connected, so no scan is missed.

    The page's own stream says when it is open; a stream that failed once reconnects by itself.
    """
    page.goto(path)
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    wait_until(lambda: live_events.subscribers > 0)


@pytest.mark.parametrize("start", ["/", "/courier/login"], ids=["home", "courier-login"])
def test_a_badge_shown_to_the_camera_logs_the_courier_in_on_the_kiosk_page(
    page, screenshot, courier, live_events, start
):
    listening(page, live_events, f"{start}?lang=en")
    cabinet = page.context.new_page()
    cabinet.goto("/demo/")
    cabinet.locator(f'button.show-badge[data-courier="{courier.id}"]').click()

    expect(page.locator("#go-deposit")).to_be_visible()
    assert page.url.endswith("/courier/")
    screenshot("logged-in-by-badge")
    # The cabinet stays the cabinet: it is no second kiosk page racing for the ticket.
    assert cabinet.url.endswith("/demo/")


def test_a_recipient_opens_their_other_parcel_after_a_camera_pickup(
    page, screenshot, courier, ctx, live_events, kiosk_app
):
    tools = kiosk_app.extensions["locker_demo"]
    receipts = [
        deposit_parcel(ctx, courier.id, tracking, PHONE, Size.S)
        for tracking in ("SF20260001", "SF20260002")
    ]
    for receipt in receipts:  # the courier shuts each door on its parcel
        address = ctx.store.compartment(receipt.compartment).address
        model, board = tools.board_of(address)
        model.put_item(board, address.channel)
        model.close_door(board, address.channel)
    wait_until(
        lambda: all(
            ctx.store.compartment(r.compartment).state is CompartmentState.OCCUPIED
            for r in receipts
        )
    )
    first, second = receipts

    listening(page, live_events, "/?lang=en")
    cabinet = page.context.new_page()
    cabinet.goto("/demo/")
    cabinet.locator('button.show-qr[data-tracking="SF20260001"]').click()

    panel = page.locator("#live-result .opened")
    expect(panel).to_contain_text(f"Door {first.compartment} is open")
    expect(panel).to_contain_text("You have 1 more parcel here.")
    screenshot("more-offered")
    page.click("#open-more")
    expect(page.locator("#result")).to_contain_text(f"Door {second.compartment} is open")
    screenshot("more-opened")
    assert ctx.store.parcel(second.parcel.id).state is ParcelState.COLLECTED
