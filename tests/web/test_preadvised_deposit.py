"""The courier's deposit screen for a pre-advised parcel: filled in, then one tap deposits it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.services.context import LockerContext
from locker.services.preadvise_parcel import preadvise_parcel, read_preadvice
from tests.conftest import CourierActions
from tests.web.test_courier_area import CourierScreens, text
from tests.web.test_deposit_messages import checked_language, screens_for

CARRIER = "SF Express"
TRACKING = "SF7306200001"
PHONE = "13812345678"


def preadvise(ctx: LockerContext, **changed: Any) -> int:
    given = {
        "carrier": CARRIER,
        "tracking": TRACKING,
        "phone": PHONE,
        "size": "M",
        "low_door": True,
        "language": "zh",
        "expected_at": int((ctx.clock.now() + timedelta(hours=2)).timestamp()),
        **changed,
    }
    outcome = preadvise_parcel(ctx, read_preadvice(given, ctx.clock.now()), "remote:centre")
    return int(outcome["parcel_id"])


@pytest.fixture
def screens(ctx, db_path, board, clock) -> CourierScreens:
    return screens_for(ctx, db_path, board, clock, ["sms", "webhook"])


def checked(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="(\w+)"[^>]*?\schecked', page)


def no_space_records(ctx: LockerContext) -> list[Any]:
    return [r for r in ctx.store.audit_records() if r.action == "parcel.no_space"]


def test_a_scanned_pre_advised_parcel_fills_in_the_deposit_screen(screens, courier, ctx):
    preadvise(ctx)
    screens.login(courier.id)

    page = text(screens.client.get(f"/courier/deposit?tracking={TRACKING.lower()}"))

    assert 'id="preadvised"' in page and "filled in" in page
    assert 'value="138****5678"' in page and PHONE not in page
    assert checked(page, "size") == ["M"]
    assert checked(page, "low") == ["yes"]
    assert checked_language(page) == ["zh"]


def test_the_screen_asks_the_locker_what_a_scanned_tracking_number_fills_in(screens, courier, ctx):
    preadvise(ctx)
    screens.login(courier.id)

    found = screens.client.get(f"/courier/expected.json?tracking={TRACKING}").get_json()
    unknown = screens.client.get("/courier/expected.json?tracking=SF0000000404").get_json()

    assert found["expected"] is True
    assert (found["phone"], found["size"], found["low"], found["language"]) == (
        "138****5678",
        "M",
        True,
        "zh",
    )
    assert found["notice"] and found["no_space"] == ""
    assert unknown == {"expected": False}


def test_another_carrier_s_courier_sees_nothing_filled_in(screens, ctx):
    preadvise(ctx)
    other = CourierActions(ctx, carrier="JD Logistics")
    screens.login(other.id)

    page = text(screens.client.get(f"/courier/deposit?tracking={TRACKING}"))
    found = screens.client.get(f"/courier/expected.json?tracking={TRACKING}").get_json()

    assert 'id="preadvised"' not in page and "138****5678" not in page
    assert found == {"expected": False}


def test_one_tap_deposits_the_expected_parcel_as_itself(screens, courier, ctx):
    expected_id = preadvise(ctx)
    screens.login(courier.id)

    # The form as filled in: the phone field carries no digits, the pre-advice has them.
    form = {"tracking": TRACKING, "phone": "", "size": "M", "low": "yes", "language": "zh"}
    response = screens.post("/courier/deposit", **form)

    assert response.status_code == 200
    assert "Door B02 is open" in text(response)
    parcel = ctx.store.parcel(expected_id)
    assert parcel.state is ParcelState.DEPOSITED and parcel.compartment == "B02"
    assert parcel.recipient_phone == PHONE and parcel.language == "zh"
    assert len(ctx.store.parcels()) == 1
    courier.close("B02", item_present=True)
    kinds = [(m["channel"], m["kind"], m["status"]) for m in ctx.store.outbox()]
    assert ("sms", "deposited", "pending") in kinds
    assert ("webhook", "parcel.deposited", "pending") in kinds
    assert ctx.store.compartment("B02").state is CompartmentState.OCCUPIED


def test_no_door_of_the_pre_advised_size_offers_the_next_one_and_a_reload_tells_no_one_twice(
    screens, courier, ctx
):
    preadvise(ctx, size="S", low_door=False)
    for n, tracking in enumerate(("SF01", "SF02")):
        courier.deposit(tracking, phone=f"1390000{n:04d}", size=Size.S)
    screens.login(courier.id)

    page = text(screens.client.get(f"/courier/deposit?tracking={TRACKING}"))
    screens.client.get(f"/courier/deposit?tracking={TRACKING}")
    screens.client.get(f"/courier/expected.json?tracking={TRACKING}")

    assert 'id="no-space"' in page and "size M is offered" in page
    assert checked(page, "size") == ["M"]
    [record] = no_space_records(ctx)
    assert record.details["size"] == "S" and record.details["offered"] == "M"


def test_no_room_at_all_is_said_on_the_screen(screens, courier, ctx):
    preadvise(ctx, size="L", low_door=False)
    for tracking, size in (("SF03", Size.L), ("SF04", Size.XL)):
        courier.deposit(tracking, size=size)
    screens.login(courier.id)

    page = text(screens.client.get(f"/courier/deposit?tracking={TRACKING}"))
    refused = screens.deposit(tracking=TRACKING, phone="", size="L")

    assert 'id="no-space"' in page and "No room here" in page
    assert refused.status_code == 400
    assert len(no_space_records(ctx)) == 1
    assert ctx.store.carrier_parcel(CARRIER, TRACKING).state is ParcelState.EXPECTED


def test_the_courier_s_own_choices_survive_a_refused_deposit(screens, courier, ctx, board):
    preadvise(ctx)
    screens.login(courier.id)
    board.stuck.add(ctx.store.compartment("C01").address)

    page = text(screens.deposit(tracking=TRACKING, phone="", size="L"))

    assert checked(page, "size") == ["L"]  # as the courier chose, not the pre-advised M
    assert checked(page, "low") == ["no"]


@pytest.mark.parametrize(
    "tracking", ["", "x" * 5000, "SF\x00001", "１２３４５", "%00", "SF7306200001" * 4]
)
def test_hostile_tracking_numbers_fill_in_nothing(screens, courier, ctx, tracking):
    preadvise(ctx)
    screens.login(courier.id)

    found = screens.client.get("/courier/expected.json", query_string={"tracking": tracking})
    page = screens.client.get("/courier/deposit", query_string={"tracking": tracking})

    assert found.status_code == 200 and found.get_json() == {"expected": False}
    assert page.status_code == 200 and 'id="preadvised"' not in text(page)
