"""The recipient's home page, in Chromium, on both kiosk screens and in both languages."""

from __future__ import annotations

import pytest

from locker.services.door_events import DoorNotice
from locker.web.page_events import notice_to_pages
from tests.browser.fonts import assert_chinese_renders
from tests.browser.screens import VIEWPORTS
from tests.scanner_runtime.support import wait_until

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect

pytestmark = pytest.mark.parametrize("viewport", VIEWPORTS)


def test_home_shows_the_locker_free_doors_and_support(page, courier, kiosk_settings, screenshot):
    courier.deposit()  # one S door taken: the page shows live counts, not the layout

    page.goto("/?lang=en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Test locker")
    expect(page.get_by_role("heading", level=1)).to_have_text("Test locker")
    for size, free in [("S", 1), ("M", 2), ("L", 1), ("XL", 1)]:
        expect(page.locator(f'[data-size="{size}"]')).to_have_text(f"{size}: {free}")
    expect(page.get_by_text(kiosk_settings.support_contact)).to_be_visible()
    screenshot("en")


def test_home_in_chinese_renders_with_a_cjk_font(page, kiosk_settings, screenshot):
    page.goto("/?lang=zh")

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("Test locker")
    expect(page.locator('[data-size="S"]')).to_have_text("S: 2")
    expect(page.get_by_text(kiosk_settings.support_contact)).to_be_visible()
    assert_chinese_renders(page)
    screenshot("zh")


def test_the_free_counts_follow_the_doors_as_they_shut(page, courier, live_events):
    page.goto("/?lang=en")
    expect(page.locator('[data-size="S"]')).to_have_text("S: 2")
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    wait_until(lambda: live_events.subscribers > 0)

    receipt = courier.deposit()  # a courier at the cabinet shuts a door on a parcel
    notice_to_pages(live_events, DoorNotice(receipt.compartment, "closed", "door closed"))

    expect(page.locator('[data-size="S"]')).to_have_text("S: 1")


def test_the_lockers_name_and_the_help_number_are_large(page, kiosk_settings):
    page.goto("/?lang=en")
    name = page.get_by_role("heading", level=1)
    help_line = page.get_by_text(kiosk_settings.support_contact)
    body = float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))
    for text in (name, help_line):
        size = float(text.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert size > body, f"{text} is {size}px, no larger than the text around it ({body}px)"


# The parts of the home screen that large text must grow: none may stay behind.
PARTS = {
    "the locker's name": "header h1",
    "the help line": "footer#support",
    "the language and text-size buttons": "#text-size",
    "the heading": "main h2",
    "what to type": "#code-form > p",
    "the keys": ".keypad button",
}


def test_bigger_text_grows_the_header_the_help_line_the_headings_and_the_keys(page):
    sizes = {}
    for text in ("normal", "large"):
        page.goto(f"/?lang=en&text={text}")
        sizes[text] = {
            part: float(
                page.locator(selector).first.evaluate(
                    "e => parseFloat(getComputedStyle(e).fontSize)"
                )
            )
            for part, selector in PARTS.items()
        }
    behind = [part for part in PARTS if sizes["large"][part] < sizes["normal"][part] * 1.1]
    assert not behind, f"large text leaves these as they were: {behind} ({sizes})"
