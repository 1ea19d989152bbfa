"""The courier at the touchscreen, in Chromium: bulk deposits, live counts, waybills, take-backs.

Bulk mode takes three taps or fewer a parcel. A tap is a touch on the screen. The tracking
number comes from the courier's scanner, which types it and presses Enter; the recipient's
phone digits are typed on the keypad and counted apart, since no locker can know a phone it
was not told.
"""

from __future__ import annotations

import pytest

from locker.domain.models import Size
from locker.domain.passwords import hash_secret
from locker.services.expire_overdue import expire_overdue
from locker.services.scan_pickup import pickup_by_scan
from locker.web.page_events import scan_event
from tests.browser.forms import submit
from tests.browser.screens import VIEWPORTS
from tests.conftest import COURIER_PIN

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect

PHONE = "13812345678"


class Touchscreen:
    """The courier's hands on the page: taps are counted, scanner input is not."""

    def __init__(self, page) -> None:
        self.page = page
        self.taps = 0

    def tap(self, selector: str) -> None:
        self.taps += 1
        self.page.click(selector)

    def scan(self, text: str) -> None:
        """A keyboard-wedge scanner: types into the focused field, then Enter."""
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")

    def type_phone(self, digits: str) -> None:
        for digit in digits:
            self.page.click(f'.keypad .key[data-key="{digit}"]')


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_bulk_mode_takes_three_taps_or_fewer_per_parcel(page, courier, ctx, screenshot):
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    page.click("#login")
    page.click("#go-deposit")
    hands = Touchscreen(page)

    # The first parcel sets the round up: medium doors, bulk mode on.
    expect(page.locator("#tracking")).to_be_focused()
    hands.scan("SF9000000001")
    expect(page.locator("#phone")).to_be_focused()
    hands.type_phone(PHONE)
    expect(page.locator("#phone")).to_have_value("138****5678")
    hands.tap('.tile[data-size="M"]')
    hands.tap("#bulk-tile")
    screenshot("first-parcel")
    hands.tap("#open-door")
    expect(page.locator("#result")).to_contain_text("is open")
    assert hands.taps <= 3
    screenshot("door-open")

    taps_per_parcel = []
    for n in range(2, 4):
        hands.taps = 0
        expect(page.locator("#next-tracking")).to_be_focused()
        hands.scan(f"SF900000000{n}")  # the next scan starts the next deposit
        expect(page.locator("#phone")).to_be_focused()
        expect(page.locator('input[name="size"][value="M"]')).to_be_checked()
        hands.type_phone(PHONE)
        hands.tap("#open-door")
        expect(page.locator("#result")).to_contain_text("is open")
        taps_per_parcel.append(hands.taps)

    assert max(taps_per_parcel) <= 3, taps_per_parcel
    doors = [ctx.store.parcel_by_tracking(f"SF900000000{n}").compartment for n in (1, 2, 3)]
    assert len(set(doors)) == 3
    assert all(ctx.store.compartment(d).size.value in ("M", "L", "XL") for d in doors)


def test_the_free_counts_follow_the_doors_live(page, courier, live_events):
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    submit(page, "#login")
    page.goto("/courier/deposit")
    medium = page.locator('.tile[data-size="M"] small')
    expect(medium).to_have_text("2 free")

    # Another deposit takes a medium door; its door event reaches the open page.
    receipt = courier.deposit("SF9000000009", size=Size.M)
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    live_events.publish({"kind": "door", "label": receipt.compartment, "closed": True})
    expect(medium).to_have_text("1 free")


def test_a_waybill_held_up_to_the_camera_fills_the_tracking_and_starts_the_next(
    page, courier, ctx, live_events
):
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    submit(page, "#login")
    page.goto("/courier/deposit")

    def hold_up(waybill: str) -> None:
        page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
        live_events.publish(scan_event(pickup_by_scan(ctx, waybill)))

    hold_up("SF9100000001")
    expect(page.locator("#tracking")).to_have_value("SF9100000001")
    expect(page.locator("#phone")).to_be_focused()
    Touchscreen(page).type_phone(PHONE)
    page.click("#bulk-tile")
    page.click("#open-door")
    expect(page.locator("#result")).to_contain_text("is open")

    hold_up("SF9100000002")  # bulk mode: the next waybill starts the next deposit
    expect(page.locator("#tracking")).to_have_value("SF9100000002")
    expect(page.locator("#phone")).to_be_focused()


def test_each_expired_parcel_taken_back_is_confirmed_when_its_door_shuts(
    page, courier, ctx, clock, live_events
):
    receipt = courier.deposit("SF9200000001")
    clock.advance(hours=73)
    expire_overdue(ctx)
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    page.click("#login")
    page.click("#go-retrieve")
    page.click('button[data-tracking="SF9200000001"]')
    expect(page.locator("#result")).to_contain_text(f"Door {receipt.compartment} is open")
    expect(page.locator("#step")).to_have_attribute("data-closed", "no")

    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    live_events.publish({"kind": "door", "label": receipt.compartment, "closed": True})
    expect(page.locator("#step")).to_have_attribute("data-closed", "yes")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_short_pin_is_replaced_on_the_keypad_before_the_menu(page, courier, ctx, screenshot):
    ctx.store.set_courier_pin(courier.id, hash_secret("2468"))  # set before the 6-digit rule
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", "2468")
    page.click("#login")
    expect(page.locator("#why")).to_contain_text("6 to 12 digits")
    box = page.locator("#save-pin").bounding_box()
    assert box and box["y"] + box["height"] <= page.viewport_size["height"]
    screenshot("new-pin")
    hands = Touchscreen(page)
    page.click("#new_pin")
    hands.type_phone("975310")
    page.click("#repeat")
    hands.type_phone("975310")
    page.click("#save-pin")
    expect(page.locator("#go-deposit")).to_be_visible()


def test_an_email_typed_on_the_keys_and_the_language_go_with_the_deposit(
    page, courier, ctx, live_events, screenshot
):
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    submit(page, "#login")
    page.goto("/courier/deposit")
    hands = Touchscreen(page)
    hands.scan("SF9300000001")
    hands.type_phone(PHONE)
    hands.tap("#email")
    hands.tap(".key-letters")
    for key in "WANG.FANG@EXAMPLE.COM":
        hands.tap(f'.letters .key[data-key="{key}"]')
    expect(page.locator("#email")).to_have_value("wang.fang@example.com")
    hands.tap('#languages .tile[lang="en"]')
    screenshot("email-typed")
    hands.tap("#open-door")
    expect(page.locator("#result")).to_contain_text("is open")
    parcel = ctx.store.parcel_by_tracking("SF9300000001")
    assert parcel.recipient_email == "wang.fang@example.com" and parcel.language == "en"

    # This locker has no channel: the courier holds the only copy of the code, and is told so.
    expect(page.locator("#pickup-code")).to_be_visible()
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    live_events.publish({"kind": "door", "label": parcel.compartment, "closed": True})
    expect(page.locator("#step")).to_have_text(
        "✔ Deposited. No message can be sent from this locker: "
        "give the recipient the pickup code another way."
    )
    screenshot("deposited-untold")
