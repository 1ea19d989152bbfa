"""A screen left alone goes back to the home screen by itself, and ends the staff session."""

from __future__ import annotations

import re

import pytest

from locker.config import Settings
from tests.browser.conftest import SUPPORT_CONTACT
from tests.conftest import COURIER_PIN

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect

IDLE_S = 1.5


@pytest.fixture
def kiosk_settings(db_path) -> Settings:
    """A short idle time, so the test need not wait the real ninety seconds."""
    return Settings(db=db_path, support_contact=SUPPORT_CONTACT, screen_idle_seconds=IDLE_S)


def test_a_courier_screen_left_alone_returns_home_and_logs_out(page, courier):
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    page.click("#login")
    expect(page.locator("#go-deposit")).to_be_visible()

    expect(page).to_have_url(re.compile(r"/\?idle=1$"))
    expect(page.locator("#code")).to_be_visible()
    page.goto("/courier/")
    expect(page).to_have_url(re.compile(r"/courier/login$"))


def test_touching_the_screen_keeps_it(page, courier):
    page.goto("/courier/login?lang=en")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    page.click("#login")
    page.click("#go-deposit")
    for _ in range(6):  # a courier typing the phone, a key every third of the idle time
        page.click('.keypad .key[data-key="1"]')
        page.wait_for_timeout(IDLE_S * 1000 / 3)
    expect(page).to_have_url(re.compile(r"/courier/deposit$"))


@pytest.mark.parametrize("after", ["home", "pickup"])
def test_the_next_person_gets_the_lockers_language_and_normal_text(page, courier, after):
    page.goto("/?lang=en")
    page.click("#text-size")
    expect(page.locator("body")).to_have_class("large")
    if after == "pickup":  # the recipient types their code and leaves the result on screen
        receipt = courier.deposit()
        for digit in receipt.code:
            page.click(f'.keypad .key[data-key="{digit}"]')
        page.click("#submit")
        expect(page.locator("#result")).to_contain_text("is open")

    expect(page).to_have_url(re.compile(r"/\?idle=1$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("body")).not_to_have_class("large")
    page.goto("/courier/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("body")).not_to_have_class("large")
