"""The service screens in Chromium with no keyboard: every field takes the on-screen keys.

The locker's Chromium runs in kiosk mode on a touchscreen. An admin logs in, forces a door open
with a reason and its confirmation, takes a door with a parcel inside out of service, reissues
a code, finds a parcel by its phone's last four digits and reissues its code from the result,
acknowledges an alarm with a typed note and types into the accounts page, touching nothing but
the screen: no keyboard, no `fill`.
"""

from __future__ import annotations

import pytest

from tests.browser.screens import VIEWPORTS
from tests.conftest import ADMIN_PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="needs Playwright").expect

pytestmark = pytest.mark.parametrize("viewport", VIEWPORTS)


def tap_keys(page, text: str) -> None:
    """Type on the page's on-screen keyboard, one tap a key, with Capitals for upper case."""
    keyboard = page.locator(".keys.keyboard")
    for key in text:
        shifted = keyboard.get_attribute("class").count("shifted") > 0
        if key.isupper() != shifted and key.isalpha():
            keyboard.locator(".key-shift").click()
        keyboard.locator(f'.key[data-key="{key.lower() if key.isalpha() else key}"]').click()


def tap_field(page, selector: str, text: str) -> None:
    """Touch a field, then type into it on the keys; the field shows what was typed."""
    page.click(selector)
    tap_keys(page, text)
    expect(page.locator(selector)).to_have_value(text)


def test_an_admin_does_the_service_work_by_touch_alone(page, screenshot, courier, ctx, board):
    inside = courier.deposit("SF0011")
    waiting = courier.deposit("SF0012")
    page.goto("/admin/login?lang=en")
    tap_field(page, 'input[name="username"]', "admin")
    tap_field(page, 'input[name="password"]', ADMIN_PASSWORD)
    page.click("#login")
    expect(page.locator("#logout")).to_be_visible()

    # Force a free door open for service, with a typed reason.
    page.select_option('#door-action select[name="label"]', "B01")
    tap_field(page, '#door-action input[name="reason"]', "leak check")
    screenshot("reason-typed")
    page.click("#force-open")
    # Nothing opens before the confirmation, which carries the reason typed on the keys.
    expect(page.locator("#open-asks")).to_contain_text("B01")
    expect(page.locator('#open-confirm input[name="reason"]')).to_have_value("leak check")
    assert not [r for r in ctx.store.audit_records() if r.action == "door.force_open"]
    screenshot("open-asks")
    page.click("#confirm-open")
    expect(page.locator(".notice.ok[role=status]")).to_contain_text("Door B01 is open")
    record = [r for r in ctx.store.audit_records() if r.action == "door.force_open"][-1]
    assert (record.subject, record.details["reason"]) == ("B01", "leak check")

    # Take the door with a parcel inside out of service: the screen asks first.
    page.select_option('#door-action select[name="label"]', inside.compartment)
    tap_field(page, '#door-action input[name="reason"]', "Hinge broken")
    page.click("#take-out")
    expect(page.locator("#occupied")).to_contain_text("SF0011")
    screenshot("take-out-asks")
    page.click("#confirm-take-out")
    expect(page.locator(".notice.ok[role=status]")).to_contain_text("SF0011")
    assert ctx.store.compartment(inside.compartment).state.value == "out_of_service"

    # Reissue a code, the tracking number typed with capitals.
    page.click("nav.admin-nav >> text=Reissue a code")
    tap_field(page, 'input[name="tracking"]', "SF0012")
    page.click("#reissue")
    expect(page.locator("#new-code")).to_be_visible()
    assert page.locator("#new-code").inner_text() != waiting.code
    screenshot("reissued")

    # The door log's filters, dates included, and the accounts page's fields take the keys too.
    page.click("nav.admin-nav >> text=Door log")
    tap_field(page, '#filters input[name="from"]', "2026-11-11")
    tap_field(page, '#filters input[name="actor"]', "admin")
    page.click("#filters button[type=submit]")
    expect(page.locator("#count")).to_be_visible()
    page.click("nav.admin-nav >> text=Accounts")
    for field in page.locator("#add-courier input:not([type=hidden])").all():
        field.click()
        tap_keys(page, "zt1")
        expect(field).to_have_value("zt1")
    screenshot("accounts-typed")


def test_an_admin_finds_a_parcel_and_answers_an_alarm_by_touch_alone(
    page, screenshot, courier, ctx, board
):
    receipt = courier.deposit("SF0021", phone="13812345678")
    courier.deposit("SF0022", phone="13900001111")
    alarm = ctx.store.append_audit(
        "system", "alert.door_left_open", "B01", {"minutes": 5}, ctx.clock.now()
    )
    page.goto("/admin/login?lang=en")
    tap_field(page, 'input[name="username"]', "admin")
    tap_field(page, 'input[name="password"]', ADMIN_PASSWORD)
    page.click("#login")

    # The helpline has the caller's last four digits: one parcel, with its door and deadline.
    page.click("#nav-search")
    tap_field(page, '#search input[name="q"]', "5678")
    page.click("#find")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("SF0021")
    expect(rows.first).to_contain_text("138****5678")
    screenshot("found")

    # A new code from the result; Back returns to it.
    rows.first.locator("button.reissue").click()
    expect(page.locator("#new-code")).to_be_visible()
    assert page.locator("#new-code").inner_text() != receipt.code
    screenshot("reissued-from-search")
    page.click("#back")
    expect(page.locator("#results tbody tr")).to_have_count(1)

    # Its door, opened for the caller after the confirmation, the reason typed there.
    opened = len(board.opened)
    page.locator("#results button.open-door").click()
    expect(page.locator("#open-parcel")).to_contain_text("SF0021")
    tap_field(page, '#open-confirm input[name="reason"]', "caller lost the code")
    page.click("#confirm-open")
    expect(page.locator(".notice.ok[role=status]")).to_contain_text(
        f"Door {receipt.compartment} is open"
    )
    assert len(board.opened) == opened + 1

    # The alarm, acknowledged with a note typed on the keys, leaves the dashboard.
    page.click("nav.admin-nav >> text=Dashboard")
    page.locator(f'#alarms tr[data-seq="{alarm.seq}"] a.acknowledge').click()
    tap_field(page, '#ack-form input[name="note"]', "door shut by the cleaner")
    screenshot("acknowledging")
    page.click("#acknowledge")
    expect(page.locator(".notice.ok[role=status]")).to_contain_text(f"Alarm {alarm.seq}")
    expect(page.locator(f'#alarms tr[data-seq="{alarm.seq}"]')).to_have_count(0)
    record = list(ctx.store.audit_records())[-1]
    assert (record.action, record.subject, record.details["note"]) == (
        "alarm.acknowledged",
        str(alarm.seq),
        "door shut by the cleaner",
    )
