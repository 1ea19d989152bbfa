"""Picking up: by QR or typed code, every refusal, the keypad budget, and unconfirmed doors."""

from __future__ import annotations

import pytest

from locker.domain import qr_payload
from locker.domain.errors import InvalidInputError
from locker.domain.qr_payload import QrVerdict
from locker.domain.states import CompartmentState, ParcelState
from locker.services.collect_parcel import collect_by_code, collect_by_qr
from locker.services.errors import CodeRejectedError, DoorDidNotOpenError, LockedOutError
from locker.services.expire_overdue import expire_overdue
from locker.services.reissue_code import reissue_code
from locker.services.service_state import set_out_of_service


def test_a_qr_opens_its_parcels_door_and_the_parcel_is_collected(ctx, courier, board):
    receipt = courier.deposit()
    board.opened.clear()

    result = collect_by_qr(ctx, receipt.qr)

    assert result.compartment == receipt.compartment
    assert board.opened == [ctx.store.compartment(receipt.compartment).address]
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.OPEN
    courier.close(receipt.compartment, item_present=False)
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.FREE


def test_a_typed_code_opens_the_door_too(ctx, courier):
    receipt = courier.deposit()
    spaced = f"{receipt.code[:4]} {receipt.code[4:]}"
    assert collect_by_code(ctx, spaced).compartment == receipt.compartment


def test_a_code_works_once(ctx, courier):
    receipt = courier.deposit()
    collect_by_code(ctx, receipt.code)
    with pytest.raises(CodeRejectedError, match="already been collected") as refusal:
        collect_by_qr(ctx, receipt.qr)
    assert refusal.value.verdict is QrVerdict.USED
    with pytest.raises(CodeRejectedError, match="already been collected"):
        collect_by_code(ctx, receipt.code)


def test_a_wrong_code_is_refused_and_counts_against_the_keypad(ctx, courier, board):
    courier.deposit()
    board.opened.clear()
    with pytest.raises(CodeRejectedError, match="wrong code") as refusal:
        collect_by_code(ctx, "00000000")
    assert refusal.value.attempts_left == 4
    assert board.opened == []


def test_a_code_of_the_wrong_length_is_explained_and_not_counted(ctx):
    with pytest.raises(InvalidInputError, match="8 digits"):
        collect_by_code(ctx, "1234")
    assert ctx.store.failure_record("keypad").failures == ()


def test_five_wrong_codes_lock_the_keypad_with_a_growing_audited_back_off(ctx, courier, clock):
    receipt = courier.deposit()
    for _ in range(5):
        with pytest.raises(CodeRejectedError):
            collect_by_code(ctx, "00000000")
    with pytest.raises(LockedOutError, match="try again in 30 seconds"):
        collect_by_code(ctx, receipt.code)

    clock.advance(seconds=31)
    for _ in range(5):
        with pytest.raises(CodeRejectedError):
            collect_by_code(ctx, "11111111")
    with pytest.raises(LockedOutError) as locked:
        collect_by_code(ctx, receipt.code)
    assert locked.value.until == clock.now() + ctx.rules.keypad.lockout_length(2)

    lockouts = [r for r in ctx.store.audit_records() if r.action == "keypad.lockout"]
    assert [r.details["lockout"] for r in lockouts] == [1, 2]
    clock.advance(seconds=61)
    assert collect_by_code(ctx, receipt.code).compartment == receipt.compartment


def test_the_keypad_lockout_survives_a_restart(ctx, courier, db_path, board, clock):
    from locker.services.context import LockerContext
    from locker.store import SqliteStore

    courier.deposit()
    for _ in range(5):
        with pytest.raises(CodeRejectedError):
            collect_by_code(ctx, "00000000")
    with SqliteStore(db_path) as reopened:
        fresh = LockerContext(store=reopened, board=board, clock=clock)
        with pytest.raises(LockedOutError):
            collect_by_code(fresh, "12345678")


def test_an_expired_code_says_what_to_do_next(ctx, courier, clock):
    receipt = courier.deposit()
    clock.advance(hours=72, seconds=1)
    with pytest.raises(CodeRejectedError, match=r"expired.*contact the carrier") as refusal:
        collect_by_qr(ctx, receipt.qr)
    assert refusal.value.verdict is QrVerdict.EXPIRED
    expire_overdue(ctx)
    with pytest.raises(CodeRejectedError, match="expired"):
        collect_by_code(ctx, receipt.code)


def test_a_qr_for_another_locker_names_that_locker(ctx):
    other = qr_payload.encode(b"another-secret", "BJ-CY-042", 7, 0)
    with pytest.raises(CodeRejectedError, match="for locker BJ-CY-042") as refusal:
        collect_by_qr(ctx, other)
    assert refusal.value.locker_id == "BJ-CY-042"


def test_a_forged_qr_opens_nothing_and_is_audited(ctx, courier, board):
    receipt = courier.deposit()
    board.opened.clear()
    forged = qr_payload.encode(b"guessed-secret", "TEST-01", receipt.parcel.id, 0)
    with pytest.raises(CodeRejectedError, match="not issued by this locker"):
        collect_by_qr(ctx, forged)
    assert board.opened == []
    assert any(r.action == "pickup.refused" for r in ctx.store.audit_records())


@pytest.mark.parametrize("text", ["", "hello", "https://example.com/x", b"\xff\xfe", "PL1:::::"])
def test_a_malformed_qr_gets_a_clear_message(ctx, text):
    with pytest.raises(CodeRejectedError, match="not a pickup code"):
        collect_by_qr(ctx, text)


def test_a_reissued_code_replaces_the_old_code_and_qr(ctx, courier):
    receipt = courier.deposit()
    fresh = reissue_code(ctx, "admin:admin", receipt.parcel.tracking)
    assert fresh.code != receipt.code
    with pytest.raises(CodeRejectedError, match="replaced by a newer one"):
        collect_by_qr(ctx, receipt.qr)
    with pytest.raises(CodeRejectedError, match="wrong code"):
        collect_by_code(ctx, receipt.code)
    assert collect_by_qr(ctx, fresh.qr).compartment == receipt.compartment


def test_a_door_that_does_not_open_keeps_the_parcel_safe_and_flags_the_door(ctx, courier, board):
    receipt = courier.deposit()
    board.stuck.add(ctx.store.compartment(receipt.compartment).address)

    with pytest.raises(DoorDidNotOpenError, match="parcel is safe inside"):
        collect_by_qr(ctx, receipt.qr)

    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.FAULT
    assert any(r.action == "door.fault" for r in ctx.store.audit_records())


def test_a_parcel_behind_an_out_of_service_door_is_not_fired_at(ctx, courier, board):
    receipt = courier.deposit()
    set_out_of_service(ctx, "admin", receipt.compartment, "hinge broken")
    board.opened.clear()
    with pytest.raises(DoorDidNotOpenError, match="contact support"):
        collect_by_code(ctx, receipt.code)
    assert board.opened == []
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED


def test_the_recipient_hears_of_their_other_parcels_here(ctx, courier):
    first = courier.deposit("SF0001", phone="13812345678")
    second = courier.deposit("SF0002", phone="13812345678")
    courier.deposit("SF0003", phone="13900000000")
    result = collect_by_qr(ctx, first.qr)
    assert [p.tracking for p in result.more_parcels] == [second.parcel.tracking]
