"""In Chromium: the home screen says the doors are out of reach while a bus is down, and stops
saying so when it is back, without a reload."""

from __future__ import annotations

import pytest

from locker.health import BusHealth, HardwareHealth
from locker.web import create_app

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect


def bus(connected: bool) -> BusHealth:
    return BusHealth("main", "/dev/ttyUSB0", connected=connected, reconnects=0)


@pytest.fixture
def buses() -> list[BusHealth]:
    return [bus(True)]


@pytest.fixture
def kiosk_app(ctx, board, clock, live_events, kiosk_settings, buses):
    return create_app(
        kiosk_settings,
        board=board,
        clock=clock,
        live=live_events,
        health=lambda: HardwareHealth(list(buses)),
    )


def test_the_notice_comes_and_goes_with_the_bus(page, screenshot, buses):
    page.goto("/?lang=en")
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    notice = page.locator("#doors-unreachable")
    expect(notice).to_be_hidden()

    buses[0] = bus(False)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("cannot reach its doors")
    expect(page.locator("#code-form")).to_be_visible()
    screenshot("bus-down")

    buses[0] = bus(True)
    expect(notice).to_be_hidden()
