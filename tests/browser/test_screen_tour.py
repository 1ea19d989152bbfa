"""Every screen, in Chromium, on both kiosk screens and in both languages.

Each screen is saved for a person to look at, and checked for what a first-time user at a
touchscreen needs: nothing runs off the side or out of its box, every control is at least 48 px
each way, and every failure screen names the support contact. The recipient's screens are also
toured in large text; their result screens show the door number as the largest text (on the
portrait screen at least 200 px tall), and on the portrait screen every control sits in the
band a wheelchair user reaches.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from locker.domain import qr_payload
from locker.domain.models import Size
from locker.message_channel import DeliveryError
from locker.services.deliver_messages import deliver_next
from locker.services.expire_overdue import expire_overdue
from tests.browser.forms import submit
from tests.browser.screens import DOOR_NUMBER_MIN_PX, PORTRAIT, REACH_TOP_PX, VIEWPORTS
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN
from tests.scanner_runtime.support import wait_until

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect

MIN_TARGET_PX = 48
# Controls a person touches: links, buttons, fields and the labels that wrap radio tiles.
CONTROLS = (
    "a:visible, button:visible, select:visible, label.tile:visible, "
    "input:visible:not([type=hidden]):not([type=radio]):not([type=checkbox])"
)


# Elements whose content is wider than their box: text out of a button, a row off its card.
OVERFLOWING = """() => [...document.body.querySelectorAll("*")]
  .filter(e => e.checkVisibility() && e.clientWidth > 0
          && getComputedStyle(e).overflowX === "visible"
          && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.outerHTML.slice(0, 80)} (${e.scrollWidth} > ${e.clientWidth})`)"""


# Each visible control's opening markup and its box on the screen (as bounding_box() gives it),
# read in one call: a call a control made a screen with a keyboard take seconds.
BOXES = """controls => controls.map(e => {
  const r = e.getBoundingClientRect();
  return [e.outerHTML.slice(0, 80), {x: r.x, y: r.y, width: r.width, height: r.height}];
})"""


def control_boxes(page) -> list[tuple[str, dict[str, float]]]:
    """(opening markup, box) of every control a person can touch on the page."""
    return [(html, box) for html, box in page.locator(CONTROLS).evaluate_all(BOXES)]


def assert_usable(page, screen: str) -> None:
    """Nothing runs off the side of the screen or out of its box, and every control is big
    enough to touch."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{screen}: the page is {overflow}px wider than the screen"
    spilling = page.evaluate(OVERFLOWING)
    assert not spilling, f"{screen}: content wider than its box: {spilling}"
    small = [
        f"{html} {box}"
        for html, box in control_boxes(page)
        if box["width"] < MIN_TARGET_PX or box["height"] < MIN_TARGET_PX
    ]
    assert not small, f"{screen}: controls under {MIN_TARGET_PX}px: {small}"


def assert_support_shown(page, screen: str, contact: str) -> None:
    assert page.get_by_text(contact).first.is_visible(), f"{screen}: no support contact"


# How tall the letters of an element's text are as drawn: their ink, not the line around them.
INK_HEIGHT = """e => {
  const style = getComputedStyle(e);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const ink = pen.measureText(e.textContent.trim());
  return ink.actualBoundingBoxAscent + ink.actualBoundingBoxDescent;
}"""
# The largest font size of any text that shows, and where.
LARGEST_TEXT = """() => {
  const texts = [...document.body.querySelectorAll("*")].filter(e => e.checkVisibility()
    && [...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()));
  const size = e => parseFloat(getComputedStyle(e).fontSize);
  const largest = texts.reduce((a, b) => (size(b) > size(a) ? b : a));
  return {size: size(largest), text: largest.textContent.trim().slice(0, 40)};
}"""


def assert_door_shown(page, screen: str, door: str) -> None:
    """The door number is the largest text on the screen, and on the portrait screen at least
    DOOR_NUMBER_MIN_PX tall, readable from 3 m; the map points at the door."""
    number = page.locator(f'.door-number[data-door="{door}"]').first
    expect(number).to_be_visible()
    expect(page.locator(f'.cabinet .door.highlight[data-label="{door}"]').first).to_be_visible()
    own = float(number.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    largest = page.evaluate(LARGEST_TEXT)
    assert own >= largest["size"], f"{screen}: {largest} is larger than door {door}"
    if page.viewport_size == PORTRAIT:
        ink = number.evaluate(INK_HEIGHT)
        assert ink >= DOOR_NUMBER_MIN_PX, f"{screen}: door {door} is {ink:.0f}px tall"


def assert_within_reach(page, screen: str) -> None:
    """On the portrait screen every control is at or below REACH_TOP_PX (docs/installation.md)."""
    if page.viewport_size != PORTRAIT:
        return
    boxes = control_boxes(page)
    high = [f"{html} at {box['y']:.0f}px" for html, box in boxes if box["y"] < REACH_TOP_PX]
    assert not high, f"{screen}: controls above a wheelchair user's reach: {high}"


def assert_fits(page, screen: str) -> None:
    """Nothing lies below the screen: pushing the keys into reach must not push the language
    keys, Back or Open off it, and a first-time user may not think to scroll."""
    below = page.evaluate("document.documentElement.scrollHeight - window.innerHeight")
    assert below <= 0, f"{screen}: the page is {below}px taller than the screen"


def assert_in_view(page, selector: str) -> None:
    """The screen's main action shows without scrolling: a first-time user may not think to."""
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    assert box and box["y"] + box["height"] <= height, f"{selector} is below the screen: {box}"


@pytest.fixture
def visit(page, screenshot):
    """Go to a screen, save it, and check it is usable; `post` screens arrive by a form."""

    def go(screen: str, path: str | None = None) -> None:
        if path is not None:
            page.goto(path)
        page.wait_for_load_state("load")
        screenshot(screen)
        assert_usable(page, screen)

    return go


def tap_keys(page, text: str) -> None:
    """Type on the on-screen keyboard, one tap a key."""
    for key in text:
        page.click(f'.keyboard .key[data-key="{key}"]')


def type_code(page, code: str) -> None:
    page.goto("/")
    page.fill("#code", code)
    page.click("#submit")


@pytest.fixture
def recipient_visit(page, visit):
    """A recipient's screen: usable, on the screen whole, and on the portrait screen every
    control within reach."""

    def go(screen: str, path: str | None = None) -> None:
        visit(screen, path)
        assert_fits(page, screen)
        assert_within_reach(page, screen)

    return go


@pytest.mark.parametrize("text", ["normal", "large"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_recipient_screen(
    page, recipient_visit, courier, ctx, board, clock, kiosk_settings, live_events, lang, text
):
    visit = recipient_visit
    contact = kiosk_settings.support_contact
    first = courier.deposit("SF0001", phone="13812345678")
    second = courier.deposit("SF0002", phone="13812345678")
    # A third parcel of the same recipient's, behind a door that will not open.
    third = courier.deposit("SF0004", phone="13812345678", size=Size.M)
    stale = courier.deposit("SF0003", phone="13900001111")
    page.goto(f"/?lang={lang}&text={text}")
    visit("home")
    if text == "normal":
        assert_in_view(page, "#submit")

    type_code(page, "12")
    visit("refused-format")
    assert_support_shown(page, "refused-format", contact)
    assert_in_view(page, "#submit")  # the keypad stays, to correct the code
    expect(page.locator("#code")).to_have_value("12")
    type_code(page, "00000000")
    visit("refused-wrong-code")
    assert_support_shown(page, "refused-wrong-code", contact)
    assert_in_view(page, "#submit")
    expect(page.locator("#code")).to_have_value("00000000")
    type_code(page, qr_payload.encode(b"k" * 32, "BJ-CY-002", 7, 1))
    visit("refused-other-locker")
    expect(page.locator("#result")).to_contain_text("BJ-CY-002")

    type_code(page, first.code)
    visit("opened-with-more")
    expect(page.locator("#cabinet .door.highlight")).to_have_text(first.compartment)
    assert_door_shown(page, "opened-with-more", first.compartment)
    assert_in_view(page, "#open-more")
    board.stuck.add(ctx.store.compartment(third.compartment).address)
    page.click("#open-more")
    visit("opened-the-others-one-failed")
    # The other parcels' doors follow on the same screen: the open one large, on the map; the
    # one that did not open named beside it, with the help number.
    assert_door_shown(page, "opened-the-others-one-failed", second.compartment)
    expect(page.locator(f'[data-failed="{third.compartment}"]')).to_contain_text(third.compartment)
    assert_support_shown(page, "opened-the-others-one-failed", contact)
    assert_in_view(page, "#done")
    type_code(page, first.code)
    visit("refused-collected")
    assert_support_shown(page, "refused-collected", contact)

    board.stuck.add(ctx.store.compartment(stale.compartment).address)
    type_code(page, stale.code)
    visit("refused-door")
    assert_support_shown(page, "refused-door", contact)
    assert_door_shown(page, "refused-door", stale.compartment)

    clock.advance(hours=73)
    type_code(page, stale.code)
    visit("refused-expired")
    reasons = []
    while "locked" not in reasons and len(reasons) < 6:
        type_code(page, f"0000000{len(reasons)}")  # the same code again would be a double tap
        reasons.append(page.locator("#result").get_attribute("data-reason"))
        if "0 tries left" in page.locator("#result").inner_text():
            pytest.fail("the last wrong code must say the keypad pauses, not '0 tries left'")
    assert reasons[-1] == "locked", reasons
    visit("refused-locked")
    assert_support_shown(page, "refused-locked", contact)
    assert_in_view(page, "#phone-path")  # phone and code stays open

    # A pickup by camera: the home screen's live panel shows the door as the result page does.
    page.goto("/")
    page.wait_for_function("window.kioskEvents && window.kioskEvents.readyState === 1")
    wait_until(lambda: live_events.subscribers > 0)
    live_events.publish({"kind": "scan", "opened": first.compartment, "more": 1})
    expect(page.locator("#live-result .result.opened")).to_be_visible()
    visit("live-opened")
    assert_door_shown(page, "live-opened", first.compartment)
    live_events.publish({"kind": "scan", "reason": "door", "door": stale.compartment})
    expect(page.locator('#live-result .result[data-reason="door"]')).to_be_visible()
    visit("live-door-did-not-open")
    assert_door_shown(page, "live-door-did-not-open", stale.compartment)
    assert_support_shown(page, "live-door-did-not-open", contact)


@pytest.mark.parametrize("text", ["normal", "large"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_phone_and_code_screen(page, recipient_visit, courier, kiosk_settings, lang, text):
    visit = recipient_visit
    contact = kiosk_settings.support_contact
    receipt = courier.deposit("SF0004", phone="13812345678")
    page.goto(f"/?lang={lang}&text={text}")
    assert_in_view(page, "#phone-entry")
    page.click("#phone-entry")
    visit("phone-digits")
    assert_in_view(page, "#next")
    page.fill("#phone-end", "5679")
    page.click(".key-back")  # one wrong key is one tap to put right
    page.click('.keypad .key[data-key="8"]')
    assert_in_view(page, "#next")
    page.click("#next")
    visit("phone-code")
    assert_in_view(page, "#submit")
    wrong = receipt.code[:-1] + str((int(receipt.code[-1]) + 1) % 10)
    page.fill("#code", wrong)
    page.click("#submit")
    visit("phone-code-refused")
    # The keypad stays, with the digits still there to correct.
    expect(page.locator("#code")).to_have_value(wrong)
    assert_in_view(page, "#result")
    assert_in_view(page, "#submit")
    assert_in_view(page, ".key-back")
    assert_support_shown(page, "phone-code-refused", contact)
    for wrong in range(5):
        page.fill("#code", f"0000000{wrong}")
        page.click("#submit")
    expect(page.locator("#result")).to_have_attribute("data-reason", "phone_locked")
    visit("phone-locked")
    assert_support_shown(page, "phone-locked", contact)
    assert_in_view(page, "#code-alone")  # the code alone stays open


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_courier_screen(page, visit, courier, ctx, clock, lang):
    courier.deposit("SF0009")
    clock.advance(hours=73)
    expire_overdue(ctx)
    page.goto(f"/courier/login?lang={lang}")
    visit("login")
    assert_in_view(page, "#login")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", "0000")
    submit(page, "#login")
    visit("login-wrong")
    assert_in_view(page, "#login")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    submit(page, "#login")
    visit("menu")

    page.click("#go-deposit")
    visit("deposit")
    assert_in_view(page, "#open-door")
    page.fill("#tracking", "SF0010")
    page.fill("#phone", "12")
    page.click("#open-door")
    visit("deposit-refused")
    assert_in_view(page, "#open-door")
    page.fill("#tracking", "SF0010")
    page.fill("#phone", "13812345678")
    page.click("#open-door")
    visit("door-open")
    assert_in_view(page, "#door-problem")
    # Back at the menu (a reload, the idle return, a new login), the deposit can still be undone.
    page.goto("/courier/")
    visit("menu-recent-deposits")
    assert_in_view(page, 'button.undo[data-tracking="SF0010"]')
    page.click('button.undo[data-tracking="SF0010"]')
    visit("undone")

    page.goto("/courier/retrieve")
    visit("retrieve")
    page.click('button[data-tracking="SF0009"]')
    visit("retrieve-opened")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_admin_screen(page, visit, courier, ctx, sms, clock, lang):
    receipt = courier.deposit("SF0011")
    courier.deposit("SF0012")  # the same recipient: found together by their phone's end
    sms.failing = DeliveryError("the gateway rejected the template", permanent=True)
    deliver_next(ctx)  # a failed message: the dashboard links to it, the Messages page resends it
    # An alarm to acknowledge, and a door left standing open for the attention list.
    alarm = ctx.store.append_audit(
        "system", "alert.door_left_open", "B02", {"minutes": 5}, clock.now()
    )
    ctx.store.record_door_opened("B02", clock.now() - timedelta(minutes=5))
    page.goto(f"/admin/login?lang={lang}")
    visit("login")
    expect(page.locator("#back")).to_be_visible()
    # The service screen has no keyboard plugged in: the admin taps the on-screen one.
    page.click('input[name="username"]')
    tap_keys(page, "admin")
    page.click('input[name="password"]')
    tap_keys(page, ADMIN_PASSWORD)
    submit(page, "#login")
    visit("dashboard")
    expect(page.locator("#logout")).to_be_visible()
    expect(page.locator('#attention tr[data-label="B02"] .open-for')).to_be_visible()
    page.select_option('#door-action select[name="label"]', receipt.compartment)
    page.click('#door-action input[name="reason"]')
    tap_keys(page, "hinge")
    page.click("#force-open")
    visit("open-confirm")
    assert_in_view(page, "#confirm-open")
    page.click("#cancel")
    page.select_option('#door-action select[name="label"]', receipt.compartment)
    page.click('#door-action input[name="reason"]')
    tap_keys(page, "hinge")
    page.click("#take-out")
    visit("take-out-confirm")
    assert_in_view(page, "#confirm-take-out")
    page.click("#confirm-take-out")
    visit("dashboard-out-of-service")
    expect(page.locator("#failed-link")).to_be_visible()

    page.locator(f'#alarms tr[data-seq="{alarm.seq}"] a.acknowledge').click()
    visit("alarm-acknowledge")
    assert_in_view(page, "#acknowledge")

    visit("parcel-search", "/admin/parcels")
    assert_in_view(page, "#find")
    page.click('#search input[name="q"]')
    tap_keys(page, "5678")
    page.click("#find")
    visit("parcel-results")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    page.locator('#results tr[data-tracking="SF0012"] a.history').click()
    visit("parcel-history")
    expect(page.locator("#history tbody tr").first).to_be_visible()

    for screen in ("doors", "messages", "accounts", "reissue", "alarms"):
        visit(screen, f"/admin/{screen}")
        expect(page.locator("#back")).to_be_visible()
        if screen == "messages":
            expect(page.locator("button.resend")).to_have_count(1)
    page.goto("/admin/accounts")
    page.locator(f'#couriers tr[data-courier="{courier.id}"] button.danger').click()
    visit("disable-confirm")
    assert_in_view(page, "#confirm-disable")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_pre_advised_deposit_screen(page, visit, courier, ctx, lang):
    from locker.domain.states import ParcelState
    from locker.services.preadvise_parcel import preadvise_parcel, read_preadvice

    for n, tracking in enumerate(("SF0001", "SF0002")):  # both S doors taken
        courier.deposit(tracking, phone=f"1390000{n:04d}")
    arrival = int((ctx.clock.now() + timedelta(hours=1)).timestamp())
    advice = {"carrier": "SF Express", "tracking": "SF7306200001", "phone": "13812345678"}
    advice.update(size="S", language="en", expected_at=arrival)
    expected = preadvise_parcel(ctx, read_preadvice(advice, ctx.clock.now()), "remote:centre")
    page.goto(f"/courier/login?lang={lang}")
    page.fill("#courier_id", str(courier.id))
    page.fill("#pin", COURIER_PIN)
    submit(page, "#login")

    # The waybill scanned: the scanner types the number and Enter; the rest fills in.
    page.goto("/courier/deposit")
    page.fill("#tracking", "SF7306200001")
    page.press("#tracking", "Enter")
    expect(page.locator("#preadvised")).to_be_visible()
    expect(page.locator("#no-space")).to_be_visible()
    expect(page.locator("#phone")).to_have_value("138****5678")
    expect(page.locator('input[name="size"][value="M"]')).to_be_checked()
    expect(page.locator('input[name="language"][value="en"]')).to_be_checked()
    visit("deposit-preadvised")
    assert_in_view(page, "#open-door")

    page.click("#open-door")
    visit("door-open-preadvised")
    parcel = ctx.store.parcel(expected["parcel_id"])
    assert parcel.state is ParcelState.DEPOSITED and parcel.compartment == "B01"
    assert parcel.recipient_phone == "13812345678"
