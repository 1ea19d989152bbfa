"""In Chromium, with clips made by the real espeak-ng: a pickup's page chimes and says the
door, clip after clip, from clips the locker serves; a camera pickup does so on the home screen."""

from __future__ import annotations

import pytest

from locker.sounds.making import make_clips
from tests.browser.screens import VIEWPORTS
from tests.scanner_runtime.support import wait_until

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect

PLAYED = "n => document.querySelector('.voice').dataset.played === String(n)"


@pytest.fixture
def clips(ctx, kiosk_settings):
    """The clips `locker run` makes at start, for the test locker's doors."""
    labels = [c.label for c in ctx.store.compartments()]
    make_clips(kiosk_settings.sounds_folder, labels)
    return kiosk_settings.sounds_folder


def assert_clips_are_served(page) -> list[str]:
    """Every clip the page plays is there: the locker serves it as a WAV file."""
    sources = page.locator(".voice audio").evaluate_all("clips => clips.map(c => c.src)")
    assert sources
    for source in sources:
        response = page.request.get(source)
        assert response.status == 200, source
        assert response.headers["content-type"] == "audio/wav"
        assert response.body()[:4] == b"RIFF"
    return sources


@pytest.mark.parametrize("viewport", VIEWPORTS[:1])
def test_a_typed_pickup_chimes_and_says_the_door_in_the_screens_language(
    page, courier, clips, screenshot
):
    receipt = courier.deposit()
    page.goto("/?lang=zh")
    for digit in receipt.code:
        page.click(f'.keypad .key[data-key="{digit}"]')
    page.click("#submit")

    expect(page.locator("#result")).to_contain_text(receipt.compartment)
    sources = assert_clips_are_served(page)
    assert [s.rsplit("/", 1)[1] for s in sources] == [
        "chime.wav",
        f"zh-{receipt.compartment}.wav",
        "zh-opened.wav",
    ]
    page.wait_for_function(PLAYED, arg=len(sources))
    screenshot("opened")


def test_a_camera_pickup_chimes_and_says_the_door_on_the_home_screen(
    page, courier, clips, live_events
):
    receipt = courier.deposit()
    page.goto("/?lang=en")
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    wait_until(lambda: live_events.subscribers > 0)
    live_events.publish({"kind": "scan", "opened": receipt.compartment, "more": 0})

    expect(page.locator("#live-result .result.opened")).to_be_visible()
    sources = assert_clips_are_served(page)
    assert [s.rsplit("/", 1)[1] for s in sources] == [
        "chime.wav",
        "en-door.wav",
        f"en-{receipt.compartment}.wav",
        "en-opened.wav",
    ]
    page.wait_for_function(PLAYED, arg=len(sources))


def test_without_clips_a_pickup_is_silent_and_shows_no_error(page, courier):
    receipt = courier.deposit()
    page.goto("/?lang=en")
    page.fill("#code", receipt.code)
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text(f"Door {receipt.compartment} is open")
    expect(page.locator(".voice")).to_have_count(0)
