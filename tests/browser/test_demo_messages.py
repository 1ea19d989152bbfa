"""End to end in Chromium, through the demo: a courier's deposit reaches the recipient's phone,
and what the phone received opens the door.

The kiosk runs the whole demo stack, with the outbox worker delivering to the demo phone
(`/demo/messages`). The pickup code is read off the phone's page and typed on the kiosk's
keypad; the QR from a message is held up to the synthetic camera. Nothing is read from the
database but the deadline the message must state.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from locker.domain.message_texts import local_time
from locker.services.context import SystemClock
from tests.browser.demo_stack import demo_kiosk
from tests.browser.forms import submit
from tests.conftest import COURIER_PIN

TIMEZONE = "Asia/Shanghai"  # the locker's, by default
# What the locker's own language says, on the kiosk and in the messages.
WORDS = {
    "en": {
        "door_open": "Door {door} is open",
        "deposited": "Deposited",
        "code": r"Pickup code (\d+)\.",
        "free_until": "Storage is free until {deadline}.",
        "subject": "Your parcel is at",
    },
    "zh": {
        "door_open": "{door} 号柜门已打开",
        "deposited": "投递完成",
        "code": r"取件码(\d+)，",
        "free_until": "{deadline}前免费保管",
        "subject": "您的包裹已到",
    },
}
FIRST, SECOND = ("SF20260001", "13812345678"), ("SF20260002", "13987654321")


@pytest.fixture
def clock():
    """Real time: the door events, the worker and the camera run on it."""
    return SystemClock()


@pytest.fixture(params=["en", "zh"])
def language(request) -> str:
    """The locker's language, which its messages are written in."""
    return str(request.param)


@pytest.fixture
def kiosk_app(ctx, db_path, live_events, lock_dir, language) -> Iterator:
    with demo_kiosk(ctx, db_path, live_events, language=language) as app:
        yield app


def deposit(page, cabinet, words, tracking: str, phone: str) -> str:
    """The logged-in courier deposits a parcel and the door is shut on it; returns the door."""
    page.goto("/courier/deposit")
    page.fill("#tracking", tracking)
    page.fill("#phone", phone)
    page.click("#open-door")
    result = page.locator("#result")
    expect(result).to_have_attribute("data-door", re.compile(r"\w+"))
    door = str(result.get_attribute("data-door"))
    expect(result).to_contain_text(words["door_open"].format(door=door))
    close_door(cabinet, door)
    expect(page.locator("#step")).to_contain_text(words["deposited"])
    return door


def close_door(cabinet, door: str) -> None:
    """Shut a door in the virtual cabinet, which reloads by itself as doors open and shut."""
    cabinet.locator(f'tr[data-label="{door}"] button.close-door').click()


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def test_the_message_on_the_phone_opens_the_door_by_its_code_and_by_its_qr(
    page, screenshot, courier, ctx, language
):
    words = WORDS[language]
    cabinet = page.context.new_page()
    cabinet.goto("/demo/")
    phone = page.context.new_page()
    phone.goto("/demo/messages")
    expect(phone.locator("#no-messages")).to_be_visible()

    page.goto(f"/courier/login?lang={language}")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    submit(page, "#login")
    first_door = deposit(page, cabinet, words, *FIRST)

    # The phone's page shows the message by itself, a moment after the door shut.
    first = phone.locator("li.received", has_text=masked(FIRST[1]))
    expect(first.locator(".sms")).to_contain_text(re.compile(words["code"]))
    expect(first.locator(".email .subject")).to_contain_text(words["subject"])
    sms = first.locator(".sms").inner_text()
    deadline = ctx.store.parcel_by_tracking(FIRST[0]).expires_at
    assert words["free_until"].format(deadline=local_time(deadline, TIMEZONE, language)) in sms
    expect(first.locator(".email-text")).to_contain_text(
        words["free_until"].format(deadline=local_time(deadline, TIMEZONE, language))
    )
    expect(first.locator("img.qr")).to_be_visible()
    [code] = re.findall(words["code"], sms)
    screenshot("phone-first-message", full_page=True, of=phone)

    second_door = deposit(page, cabinet, words, *SECOND)
    second = phone.locator("li.received", has_text=masked(SECOND[1]))
    expect(second).to_be_visible()
    expect(phone.locator("li.received").first).to_contain_text(masked(SECOND[1]))  # newest first

    # The first recipient types the code from their SMS on the kiosk's keypad. (In front: a
    # browser slows the animation frames of a page behind others, and every tap waits on them.)
    page.bring_to_front()
    page.goto(f"/?lang={language}")
    for digit in code:
        page.click(f'.keypad .key[data-key="{digit}"]')
    page.click("#submit")
    expect(page.locator("#result")).to_contain_text(words["door_open"].format(door=first_door))
    close_door(cabinet, first_door)

    # The second holds the QR from their message up to the camera: the kiosk's live panel says
    # which door opened.
    page.goto(f"/?lang={language}")
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    second.locator("button.show-message-qr").click()
    expect(page.locator("#live-result .opened")).to_contain_text(
        words["door_open"].format(door=second_door)
    )
    expect(page.locator("#live-result .door.highlight")).to_have_text(second_door)
    screenshot("pickup-by-the-messages-qr")
    assert {ctx.store.parcel_by_tracking(t).state.value for t, _ in (FIRST, SECOND)} == {
        "collected"
    }
