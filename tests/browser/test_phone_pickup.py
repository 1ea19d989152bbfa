"""The phone-and-code path in Chromium, by taps on the on-screen keys only.

A stranger's wrong codes pause one phone number, not the keypad: another recipient picks up
meanwhile, and the paused recipient picks up once the pause is over, correcting a wrong digit
with ⌫ rather than typing the whole code again.
"""

from __future__ import annotations

import pytest

from tests.conftest import COURIER_PIN

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect

WANG = "13812345678"
ZHAO = "13700001111"


def tap(page, keys: str) -> None:
    """Tap the on-screen digit keys, one tap a key."""
    for key in keys:
        page.click(f'.keypad .key[data-key="{key}"]')


def start_with_phone(page, ending: str) -> None:
    """From the home screen: "No smartphone?", then the phone number's last four digits."""
    page.goto("/?lang=en")
    page.click("#phone-entry")
    tap(page, ending)
    page.click("#next")


def wrong_by_one_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def test_a_phone_and_code_pickup_with_another_numbers_pause_in_the_middle(
    page, courier, ctx, clock, screenshot
):
    wang = courier.deposit("SF0001", phone=WANG)
    zhao = courier.deposit("SF0002", phone=ZHAO)

    # A stranger tries five codes on Wang's last four digits: Wang's number pauses.
    start_with_phone(page, "5678")
    for n in range(5):
        page.click(".key-clear")
        tap(page, f"0000000{n}")
        page.click("#submit")
        expect(page.locator("#result")).to_have_attribute("data-reason", "phone_wrong")
    expect(page.locator("#result")).to_contain_text("That was the last try")
    page.click(".key-clear")
    tap(page, "00000009")
    page.click("#submit")
    expect(page.locator("#result")).to_have_attribute("data-reason", "phone_locked")
    screenshot("wang-paused")

    # Zhao, next in the queue, is not held up by it.
    page.click("#again")
    start_with_phone(page, "1111")
    expect(page.locator("#phone-ending")).to_contain_text("1111")
    tap(page, zhao.code)
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text(f"Door {zhao.compartment} is open")
    screenshot("zhao-opened")
    page.click("#done")

    # Wang comes meanwhile: told at the first step, with the other ways that still work.
    start_with_phone(page, "5678")
    expect(page.locator("#result")).to_have_attribute("data-reason", "phone_locked")

    clock.advance(seconds=31)
    start_with_phone(page, "5678")
    tap(page, wrong_by_one_digit(wang.code))
    page.click("#submit")
    # The keypad stays, the digits too: one ⌫ and the right digit put it right.
    expect(page.locator("#result")).to_have_attribute("data-reason", "phone_wrong")
    expect(page.locator("#code")).to_have_value(wrong_by_one_digit(wang.code))
    screenshot("wang-wrong-digit")
    page.click(".key-back")
    tap(page, wang.code[-1])
    expect(page.locator("#code")).to_have_value(wang.code)
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text(f"Door {wang.compartment} is open")
    expect(page.locator("#cabinet .door.highlight")).to_have_text(wang.compartment)
    screenshot("wang-opened")
    assert ctx.store.parcel(wang.parcel.id).state.value == "collected"


def test_the_delete_key_takes_back_one_digit_of_the_phone_ending(page):
    page.goto("/pickup/phone")
    tap(page, "5679")
    page.click(".key-back")
    expect(page.locator("#phone-end")).to_have_value("567")
    expect(page.locator("#next")).to_be_disabled()  # four digits, no fewer
    tap(page, "8")
    expect(page.locator("#next")).to_be_enabled()


def test_the_delete_key_takes_back_one_letter_of_a_tracking_number(page, courier):
    page.goto("/courier/login?lang=en")
    page.click("#courier_id")
    tap(page, str(courier.id))
    page.click("#pin")
    tap(page, COURIER_PIN)
    page.click("#login")
    page.click("#go-deposit")
    page.click("#tracking")
    page.click(".key-letters")
    for key in "SFX":
        page.click(f'.letters .key[data-key="{key}"]')
    page.click(".key-back")
    expect(page.locator("#tracking")).to_have_value("SF")
