"""In Chromium: a door reminder goes beside the recipient's result on the home screen."""

from __future__ import annotations

import pytest

from locker.services.door_events import DoorNotice
from locker.web.page_events import notice_to_pages
from tests.scanner_runtime.support import wait_until

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect


def opened_scan(door: str) -> dict:
    """What the dispatcher tells the pages after a camera pickup that opened `door`."""
    return {"kind": "scan", "opened": door, "reason": None, "door": None, "more": 0}


def test_a_reminder_after_a_scan_leaves_the_result_on_screen(page, screenshot, live_events):
    page.goto("/?lang=en")
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    wait_until(lambda: live_events.subscribers > 0)
    live_events.publish(opened_scan("A02"))
    result = page.locator("#live-result")
    expect(result).to_contain_text("Door A02 is open")

    # Someone else's door, C01, has stood open too long.
    notice_to_pages(live_events, DoorNotice("C01", "reminder", "please close door C01"))

    reminder = page.locator('#live-notices [data-notice="reminder"]')
    expect(reminder).to_contain_text("Please close door C01.")
    expect(result).to_contain_text("Door A02 is open")
    screenshot("result-and-reminder")
    # The reminder sits below the result: the recipient's door stays on top.
    below, above = reminder.bounding_box(), result.bounding_box()
    assert below["y"] >= above["y"] + above["height"]

    notice_to_pages(live_events, DoorNotice("C01", "closed", "door C01 closed"))
    expect(reminder).to_have_count(0)
    expect(result).to_contain_text("Door A02 is open")
