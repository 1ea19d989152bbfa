"""The courier deposits a pre-advised parcel: the expected row moves in, filled in beforehand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from locker.domain.models import Size
from locker.domain.pickup_code import hash_code
from locker.domain.states import CompartmentState, ParcelState
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import NoCompartmentError, NotAllowedError
from locker.services.expected_deposit import expected_for_courier
from locker.services.preadvise_parcel import preadvise_parcel, read_preadvice
from tests.conftest import CourierActions

CARRIER = "SF Express"
TRACKING = "SF7306200001"
PHONE = "13812345678"


def preadvise(ctx: LockerContext, **changed: Any) -> int:
    """Pre-advise TRACKING as the centre would; returns the expected parcel's id."""
    given = {
        "carrier": CARRIER,
        "tracking": TRACKING,
        "phone": PHONE,
        "size": "M",
        "low_door": True,
        "language": "en",
        "expected_at": int((ctx.clock.now() + timedelta(hours=2)).timestamp()),
        **changed,
    }
    outcome = preadvise_parcel(ctx, read_preadvice(given, ctx.clock.now()), "remote:centre")
    return int(outcome["parcel_id"])


def records(ctx: LockerContext, action: str) -> list[Any]:
    return [r for r in ctx.store.audit_records() if r.action == action]


def test_depositing_an_expected_parcel_moves_that_very_row_into_its_door(ctx, courier):
    expected_id = preadvise(ctx)

    receipt = deposit_parcel(ctx, courier.id, TRACKING.lower(), PHONE, Size.M, needs_low=True)

    assert receipt.parcel.id == expected_id
    [parcel] = ctx.store.parcels()
    assert parcel.state is ParcelState.DEPOSITED and parcel.compartment == "B02"
    assert parcel.courier_id == courier.id and parcel.deposited_at == ctx.clock.now()
    assert parcel.expires_at == ctx.clock.now() + ctx.rules.pickup_window
    row = next(ctx.store.db.query("SELECT code_hash FROM parcels WHERE id = ?", [parcel.id]))
    assert row["code_hash"] == hash_code(ctx.store.locker().secret, receipt.code)
    [deposited] = records(ctx, "parcel.deposited")
    assert deposited.details["parcel_id"] == expected_id
    assert deposited.details["carrier"] == CARRIER and deposited.details["preadvised"] is True


def test_the_pre_advised_phone_and_language_serve_when_the_courier_types_none(ctx, courier):
    preadvise(ctx)

    receipt = deposit_parcel(ctx, courier.id, TRACKING, "", Size.M, needs_low=True)

    assert receipt.parcel.recipient_phone == PHONE
    assert receipt.parcel.language == "en"
    [message] = ctx.store.outbox()
    assert message["recipient"] == PHONE and message["language"] == "en"


def test_what_the_courier_changes_wins_over_the_pre_advice(ctx, courier):
    preadvise(ctx)

    receipt = deposit_parcel(
        ctx, courier.id, TRACKING, "13900001111", Size.L, needs_low=False, language="zh"
    )

    parcel = receipt.parcel
    assert (parcel.recipient_phone, parcel.size, parcel.needs_low) == ("13900001111", Size.L, False)
    assert parcel.language == "zh" and receipt.compartment == "C01"


def test_a_deposited_pre_advice_is_told_to_its_carrier_as_any_deposit(ctx, courier, sms):
    from tests.services.test_messages import CarrierHooks, deliver_all

    hooks = CarrierHooks({CARRIER})
    ctx.channels = {**ctx.channels, "webhook": hooks}
    preadvise(ctx)

    receipt = courier.deposit(TRACKING, phone=PHONE, size=Size.M, needs_low=True)
    deliver_all(ctx)

    assert [e.body["type"] for e in hooks.events] == ["parcel.deposited"]
    assert hooks.events[0].body["tracking"] == TRACKING
    assert hooks.events[0].body["door"] == receipt.compartment
    [told] = sms.sent
    assert told.recipient == PHONE and receipt.code in told.sms.text


def test_the_same_parcel_twice_is_refused_once_it_is_in(ctx, courier):
    preadvise(ctx)
    courier.deposit(TRACKING, size=Size.M)

    with pytest.raises(NotAllowedError, match="already in this locker"):
        deposit_parcel(ctx, courier.id, TRACKING, PHONE, Size.M)


def test_a_tracking_number_expected_for_another_carrier_is_not_matched(ctx):
    expected_id = preadvise(ctx)
    other = CourierActions(ctx, carrier="JD Logistics")

    assert expected_for_courier(ctx, other.id, TRACKING) is None
    receipt = deposit_parcel(ctx, other.id, TRACKING, "13900001111", Size.S)

    assert receipt.parcel.id != expected_id and receipt.parcel.carrier == "JD Logistics"
    assert ctx.store.parcel(expected_id).state is ParcelState.EXPECTED


def test_a_courier_without_a_phone_and_without_a_pre_advice_is_refused(ctx, courier):
    from locker.domain.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="phone"):
        deposit_parcel(ctx, courier.id, TRACKING, "", Size.S)


def test_the_deposit_screen_is_filled_in_from_the_pre_advice(ctx, courier):
    preadvise(ctx)

    found = expected_for_courier(ctx, courier.id, " sf7306200001 ")

    assert found is not None
    assert found.tracking == TRACKING and found.masked_phone == "138****5678"
    assert (found.size, found.offered, found.needs_low) == (Size.M, Size.M, True)
    assert found.language == "en" and found.no_space is False
    assert records(ctx, "parcel.no_space") == []


def test_a_withdrawn_or_unknown_tracking_number_fills_in_nothing(ctx, courier):
    assert expected_for_courier(ctx, courier.id, TRACKING) is None
    assert expected_for_courier(ctx, courier.id, "not a tracking number\x00") is None
    preadvise(ctx)
    from locker.services.preadvise_parcel import withdraw_preadvice

    withdraw_preadvice(ctx, CARRIER, TRACKING, "remote:centre")
    assert expected_for_courier(ctx, courier.id, TRACKING) is None


def fill(ctx: LockerContext, courier: CourierActions, *trackings: str) -> None:
    for n, tracking in enumerate(trackings):
        courier.deposit(tracking, phone=f"1390000{n:04d}", size=Size.S)


def test_no_door_of_the_pre_advised_size_offers_the_next_size_up_and_tells_the_carrier_once(
    ctx, courier
):
    preadvise(ctx, size="S", low_door=False)
    fill(ctx, courier, "SF01", "SF02")  # both S doors are taken

    found = expected_for_courier(ctx, courier.id, TRACKING)
    again = expected_for_courier(ctx, courier.id, TRACKING)  # a reload: the same attempt

    assert found is not None and again is not None
    assert (found.size, found.offered, found.no_space) == (Size.S, Size.M, True)
    [record] = records(ctx, "parcel.no_space")
    assert record.subject == TRACKING
    assert record.details["carrier"] == CARRIER and record.details["tracking"] == TRACKING
    assert record.details["size"] == "S" and record.details["offered"] == "M"


def test_no_room_at_all_says_so_and_the_refused_deposit_is_the_same_attempt(ctx, courier):
    preadvise(ctx, size="L", low_door=False)
    fill(ctx, courier, "SF01", "SF02")
    for tracking, size in (("SF03", Size.L), ("SF04", Size.XL)):
        courier.deposit(tracking, size=size)

    found = expected_for_courier(ctx, courier.id, TRACKING)
    with pytest.raises(NoCompartmentError):
        deposit_parcel(ctx, courier.id, TRACKING, "", Size.L)

    assert found is not None and found.offered is None and found.no_space is True
    [record] = records(ctx, "parcel.no_space")
    assert record.details["size"] == "L" and record.details["offered"] is None
    assert ctx.store.carrier_parcel(CARRIER, TRACKING).state is ParcelState.EXPECTED
    assert CompartmentState.RESERVED not in {c.state for c in ctx.store.compartments()}


def test_a_later_attempt_is_told_to_the_carrier_again(ctx, courier):
    preadvise(ctx, size="L", low_door=False)
    for tracking, size in (("SF03", Size.L), ("SF04", Size.XL)):
        courier.deposit(tracking, size=size)
    expected_for_courier(ctx, courier.id, TRACKING)

    ctx.clock.advance(hours=2)
    expected_for_courier(ctx, courier.id, TRACKING)

    assert len(records(ctx, "parcel.no_space")) == 2


def test_a_deposit_refused_for_no_room_is_told_to_the_carrier(ctx, courier):
    preadvise(ctx, size="XL", low_door=False)
    courier.deposit("SF04", size=Size.XL)

    with pytest.raises(NoCompartmentError):
        deposit_parcel(ctx, courier.id, TRACKING, "", Size.XL)

    [record] = records(ctx, "parcel.no_space")
    assert record.details["size"] == "XL" and record.details["offered"] is None


def test_another_carriers_pre_advice_of_the_same_number_hides_nothing(ctx, courier, clock):
    """Two carriers may use one tracking number: one's pre-advice never stands in for the
    other's parcel, for its courier or for the admin."""
    from locker.services.cancel_deposit import cancel_deposit
    from locker.services.reissue_code import reissue_code

    receipt = courier.deposit(TRACKING, phone=PHONE)
    preadvise(ctx, carrier="JD Logistics")
    assert reissue_code(ctx, "admin:admin", TRACKING).parcel.id == receipt.parcel.id
    label = cancel_deposit(ctx, courier.id, TRACKING)
    assert label == receipt.compartment


def test_a_centre_time_past_the_year_9999_is_a_clear_refusal(ctx):
    from locker.services.remote_actions import RemoteAction, run_remote_action

    for at in (2**39, 253402300800, -1, 0):
        args = {"message": "m-1", "at": at}
        with pytest.raises(NotAllowedError) as refused:
            run_remote_action(ctx, RemoteAction("message_delivered", args, "centre", ()), 3)
        assert refused.value.code == "remote.arguments"
