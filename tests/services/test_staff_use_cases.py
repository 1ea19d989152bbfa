"""Couriers' undo and take-back, admins' service opening, out-of-service and code reissue."""

from __future__ import annotations

import logging

import pytest

from locker.domain.errors import InvalidInputError
from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.log_masking import PhoneMaskingFilter
from locker.services.cancel_deposit import cancel_deposit
from locker.services.door_commands import move_compartment
from locker.services.errors import (
    DoorDidNotOpenError,
    LookInsideError,
    NoCompartmentError,
    NotAllowedError,
)
from locker.services.expire_overdue import expire_overdue
from locker.services.force_open import force_open
from locker.services.purge_personal_data import purge_personal_data
from locker.services.retrieve_expired import expired_for, retrieve_expired
from locker.services.service_state import return_to_service, set_out_of_service
from tests.conftest import CourierActions


def state_of(ctx, label):
    return ctx.store.compartment(label).state


def test_a_courier_undoes_a_wrong_deposit_within_ten_minutes(ctx, courier, clock):
    receipt = courier.deposit()
    clock.advance(minutes=9)
    assert cancel_deposit(ctx, courier.id, receipt.parcel.tracking) == receipt.compartment
    # The door is open again; the deposit stands until it shuts on an empty compartment.
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert state_of(ctx, receipt.compartment) is CompartmentState.OPEN
    courier.close(receipt.compartment, item_present=False)
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.CANCELLED
    assert [m["status"] for m in ctx.store.outbox()] == ["cancelled"]
    assert state_of(ctx, receipt.compartment) is CompartmentState.FREE


def test_an_undo_is_not_done_while_the_sensor_still_sees_the_parcel(ctx, courier):
    receipt = courier.deposit()
    cancel_deposit(ctx, courier.id, receipt.parcel.tracking)
    courier.close(receipt.compartment, item_present=True)
    parcel = ctx.store.parcel(receipt.parcel.id)
    assert parcel.state is ParcelState.DEPOSITED and parcel.undo_requested_at is None
    assert state_of(ctx, receipt.compartment) is CompartmentState.OCCUPIED
    assert [r.action for r in ctx.store.audit_records()][-1] == "parcel.undo_refused"
    # Asked again, it works once the box is empty.
    cancel_deposit(ctx, courier.id, receipt.parcel.tracking)
    courier.close(receipt.compartment, item_present=False)
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.CANCELLED


def test_an_undo_asked_twice_opens_the_door_once(ctx, courier, board):
    receipt = courier.deposit()
    board.opened.clear()
    cancel_deposit(ctx, courier.id, receipt.parcel.tracking)
    cancel_deposit(ctx, courier.id, receipt.parcel.tracking)
    assert len(board.opened) == 1
    assert [r.action for r in ctx.store.audit_records()].count("parcel.undo_requested") == 1


def test_undo_with_the_door_still_open_needs_no_second_unlock(ctx, courier, board):
    from locker.services.deposit_parcel import deposit_parcel

    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    board.opened.clear()
    cancel_deposit(ctx, courier.id, "SF0001")
    assert board.opened == []
    courier.close(receipt.compartment, item_present=False)
    assert state_of(ctx, receipt.compartment) is CompartmentState.FREE
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.CANCELLED


def test_undo_after_ten_minutes_or_by_another_courier_is_refused(ctx, courier, clock):
    receipt = courier.deposit()
    other = CourierActions(ctx, carrier="SF Express")
    with pytest.raises(NotAllowedError, match="only the courier who deposited"):
        cancel_deposit(ctx, other.id, receipt.parcel.tracking)
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(NotAllowedError, match="within 10 minutes"):
        cancel_deposit(ctx, courier.id, receipt.parcel.tracking)
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED


def test_parcels_expire_after_the_pickup_window(ctx, courier, clock):
    receipt = courier.deposit()
    clock.advance(hours=71, minutes=59)
    assert expire_overdue(ctx) == []
    clock.advance(minutes=1)
    assert [p.id for p in expire_overdue(ctx)] == [receipt.parcel.id]
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.EXPIRED
    assert expire_overdue(ctx) == []


def test_the_carriers_courier_takes_back_an_expired_parcel(ctx, courier, clock):
    receipt = courier.deposit()
    clock.advance(hours=73)
    expire_overdue(ctx)
    assert [p.tracking for p in expired_for(ctx, courier.id)] == [receipt.parcel.tracking]

    assert retrieve_expired(ctx, courier.id, receipt.parcel.tracking) == receipt.compartment
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.RETURNED
    courier.close(receipt.compartment, item_present=False)
    assert state_of(ctx, receipt.compartment) is CompartmentState.FREE


def test_another_carrier_cannot_take_back_a_parcel_nor_can_anyone_take_a_live_one(
    ctx, courier, clock
):
    receipt = courier.deposit()
    rival = CourierActions(ctx, carrier="JD Logistics")
    with pytest.raises(NotAllowedError, match="not expired"):
        retrieve_expired(ctx, courier.id, receipt.parcel.tracking)
    clock.advance(hours=73)
    expire_overdue(ctx)
    with pytest.raises(NotAllowedError, match="another carrier"):
        retrieve_expired(ctx, rival.id, receipt.parcel.tracking)
    assert expired_for(ctx, rival.id) == []


def test_force_open_needs_a_reason_and_leaves_the_parcel_recorded(ctx, courier, board):
    receipt = courier.deposit()
    with pytest.raises(InvalidInputError, match="reason"):
        force_open(ctx, "admin", receipt.compartment, "  ")
    force_open(ctx, "admin", receipt.compartment, "customer complaint: wrong item")

    assert state_of(ctx, receipt.compartment) is CompartmentState.OPEN
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    audit = [r for r in ctx.store.audit_records() if r.action == "door.force_open"]
    assert audit[0].details == {"reason": "customer complaint: wrong item"}
    courier.close(receipt.compartment, item_present=True)
    assert state_of(ctx, receipt.compartment) is CompartmentState.OCCUPIED


def test_force_open_of_a_stuck_door_reports_it(ctx, board):
    board.stuck.add(ctx.store.compartment("B01").address)
    with pytest.raises(DoorDidNotOpenError):
        force_open(ctx, "admin", "B01", "check the latch")
    assert state_of(ctx, "B01") is CompartmentState.FAULT


def test_an_out_of_service_door_is_never_allocated_and_comes_back_by_contents(ctx, courier):
    set_out_of_service(ctx, "admin", "A01", "lock replaced")
    assert courier.deposit("SF0001").compartment == "A02"
    assert return_to_service(ctx, "admin", "A01") is CompartmentState.FREE

    set_out_of_service(ctx, "admin", "A02", "display broken")
    assert return_to_service(ctx, "admin", "A02") is CompartmentState.OCCUPIED


def test_an_open_door_cannot_be_taken_out_of_service(ctx, courier):
    from locker.domain.errors import IllegalTransitionError
    from locker.services.deposit_parcel import deposit_parcel

    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    with pytest.raises(IllegalTransitionError):
        set_out_of_service(ctx, "admin", receipt.compartment, "oops")


def test_a_faulty_door_is_never_allocated(ctx, courier, board):
    for label in ("A01", "A02", "B01", "B02", "C01", "D01"):
        board.stuck.add(ctx.store.compartment(label).address)
        with pytest.raises(DoorDidNotOpenError):
            courier.deposit(f"SF000{label}")
    with pytest.raises(NoCompartmentError):
        courier.deposit("SF9999")


def test_a_sensor_that_disagrees_is_reported_but_the_parcel_can_still_be_collected(
    ctx, courier, board
):
    from locker.services.collect_parcel import collect_by_qr
    from locker.services.deposit_parcel import deposit_parcel

    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    courier.close(receipt.compartment, item_present=False)
    assert state_of(ctx, receipt.compartment) is CompartmentState.OCCUPIED
    assert any(r.action == "sensor.fault" for r in ctx.store.audit_records())
    board.opened.clear()
    assert collect_by_qr(ctx, receipt.qr).compartment == receipt.compartment
    assert board.opened == [ctx.store.compartment(receipt.compartment).address]


def test_personal_data_is_purged_after_the_retention(ctx, courier, clock):
    from locker.services.collect_parcel import collect_by_code

    receipt = courier.deposit()
    courier.deposit("SF0002", phone="13900001111")
    collect_by_code(ctx, receipt.code)
    clock.advance(days=29)
    assert purge_personal_data(ctx) == 0
    clock.advance(days=2)
    assert purge_personal_data(ctx) == 1
    assert ctx.store.parcel(receipt.parcel.id).recipient_phone is None
    assert ctx.store.parcel_by_tracking("SF0002").recipient_phone == "13900001111"


def test_log_lines_never_show_a_whole_phone_number(caplog):
    logger = logging.getLogger("locker.test")
    caplog.handler.addFilter(PhoneMaskingFilter())
    with caplog.at_level(logging.INFO):
        logger.info("notify %s about %s", "13812345678", "A07")
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text


def test_guessing_a_couriers_pin_locks_that_account_out(ctx, courier, clock):
    from locker.services.accounts import login_courier
    from locker.services.errors import AuthenticationError, LockedOutError
    from tests.conftest import COURIER_PIN

    for _ in range(5):
        with pytest.raises(AuthenticationError, match="PIN is wrong"):
            login_courier(ctx, courier.id, "0000")
    with pytest.raises(LockedOutError, match=r"too many wrong PINs.*60 seconds"):
        login_courier(ctx, courier.id, COURIER_PIN)
    assert any(r.action == "courier.lockout" for r in ctx.store.audit_records())
    clock.advance(seconds=61)
    assert login_courier(ctx, courier.id, COURIER_PIN).id == courier.id


def test_guessing_an_admin_password_locks_that_admin_out(ctx, clock):
    from locker.services.accounts import check_admin
    from locker.services.errors import AuthenticationError, LockedOutError
    from tests.conftest import ADMIN_PASSWORD

    for _ in range(5):
        with pytest.raises(AuthenticationError):
            check_admin(ctx, "admin", "guess-guess")
    with pytest.raises(LockedOutError, match="too many wrong passwords"):
        check_admin(ctx, "admin", ADMIN_PASSWORD)
    clock.advance(minutes=2)
    check_admin(ctx, "admin", ADMIN_PASSWORD)


def test_more_than_five_logins_a_minute_are_refused_even_with_the_right_pin(ctx, courier, clock):
    from locker.services.accounts import login_courier
    from locker.services.errors import LockedOutError
    from tests.conftest import COURIER_PIN

    for _ in range(5):
        login_courier(ctx, courier.id, COURIER_PIN)
    with pytest.raises(LockedOutError, match="too many logins for this account in a minute"):
        login_courier(ctx, courier.id, COURIER_PIN)
    clock.advance(seconds=61)
    assert login_courier(ctx, courier.id, COURIER_PIN).id == courier.id


def test_a_door_is_put_back_as_free_only_when_its_sensor_sees_it_empty(ctx, board):
    set_out_of_service(ctx, "admin", "A01", "lock replaced")
    board.close_door(ctx.store.compartment("A01").address, item_present=True)
    with pytest.raises(LookInsideError) as seen:
        return_to_service(ctx, "admin", "A01")
    assert seen.value.why == "item_present"
    assert state_of(ctx, "A01") is CompartmentState.OUT_OF_SERVICE
    board.close_door(ctx.store.compartment("A01").address, item_present=False)
    assert return_to_service(ctx, "admin", "A01") is CompartmentState.FREE


def test_a_door_without_a_sensor_is_put_back_only_once_someone_looked(ctx, board):
    board.sensors = False
    set_out_of_service(ctx, "admin", "A01", "lock replaced")
    with pytest.raises(LookInsideError) as unseen:
        return_to_service(ctx, "admin", "A01")
    assert unseen.value.why == "unseen"
    assert return_to_service(ctx, "admin", "A01", looked_inside=True) is CompartmentState.FREE
    record = list(ctx.store.audit_records())[-1]
    assert record.details["looked_inside"] is True


def test_a_door_standing_open_is_not_put_back(ctx, board):
    force_open(ctx, "admin", "A01", "look at the hinge")  # a free door stays free, but open
    with ctx.store.transaction():
        move_compartment(ctx, "A01", CompartmentState.FAULT)
    with pytest.raises(LookInsideError) as standing:
        return_to_service(ctx, "admin", "A01")
    assert standing.value.why == "door_open"


def test_the_parcel_left_by_a_false_door_report_keeps_its_door_out_of_use(ctx, courier, board):
    """The issue's case: a parcel shut in, then "the door didn't open" tapped anyway."""
    from locker.services.deposit_parcel import deposit_parcel
    from locker.services.report_door_problem import report_door_not_opened

    receipt = deposit_parcel(ctx, courier.id, "SF0000000001", "13812345678", Size.S)
    courier.close(receipt.compartment, item_present=True)
    with pytest.raises(NotAllowedError):
        report_door_not_opened(ctx, courier.id, "SF0000000001")
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    # A door flagged some other way with the parcel inside comes back holding it.
    with ctx.store.transaction():
        move_compartment(ctx, receipt.compartment, CompartmentState.FAULT)
    assert return_to_service(ctx, "admin", receipt.compartment) is CompartmentState.OCCUPIED


def test_a_courier_s_recent_deposits_are_those_that_can_still_be_undone(ctx, courier, clock):
    from locker.services.recent_deposits import recent_deposits

    other = CourierActions(ctx, carrier="ZTO")
    first = courier.deposit("SF0001", phone="13812345678")
    clock.advance(minutes=3)
    second = courier.deposit("SF0002", phone="13900001111")
    other.deposit("ZT0001")
    listed = recent_deposits(ctx, courier.id)
    assert [(d.tracking, d.door) for d in listed] == [
        ("SF0002", second.compartment),
        ("SF0001", first.compartment),
    ]
    assert [d.masked_phone for d in listed] == ["139****1111", "138****5678"]
    assert listed[1].undo_until == first.parcel.deposited_at + ctx.rules.cancel_window
    cancel_deposit(ctx, courier.id, "SF0002")
    assert [d.undo_asked for d in recent_deposits(ctx, courier.id)] == [True, False]
    courier.close(second.compartment, item_present=False)  # undone: nothing left to undo
    clock.advance(minutes=7, seconds=1)  # SF0001 is ten minutes and a second old
    assert recent_deposits(ctx, courier.id) == []
    with pytest.raises(NotAllowedError):
        cancel_deposit(ctx, courier.id, "SF0001")
