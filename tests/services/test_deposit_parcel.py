"""Depositing: allocation, door confirmation, and nothing half done when it fails."""

from __future__ import annotations

import pytest

from locker.domain.errors import InvalidInputError
from locker.domain.models import Size
from locker.domain.pickup_code import hash_code
from locker.domain.states import CompartmentState, ParcelState
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import DoorDidNotOpenError, NoCompartmentError, NotAllowedError


def states(ctx):
    return {c.label: c.state for c in ctx.store.compartments()}


def test_a_deposit_opens_the_smallest_fitting_door_and_records_a_hashed_code(ctx, courier):
    receipt = deposit_parcel(ctx, courier.id, "sf0000000001", "138 1234 5678", Size.S)

    assert receipt.compartment == "A01"
    assert states(ctx)["A01"] is CompartmentState.OPEN
    parcel = ctx.store.parcel(receipt.parcel.id)
    assert parcel.state is ParcelState.DEPOSITED
    assert parcel.tracking == "SF0000000001"
    assert parcel.recipient_phone == "13812345678"
    assert parcel.expires_at - parcel.deposited_at == ctx.rules.pickup_window
    assert len(receipt.code) == 8 and receipt.code.isdigit()
    row = next(ctx.store.db.query("SELECT code_hash FROM parcels WHERE id = ?", [parcel.id]))
    assert row["code_hash"] == hash_code(ctx.store.locker().secret, receipt.code)
    assert receipt.code not in str(list(ctx.store.db.query("SELECT * FROM parcels")))


def test_closing_the_door_with_the_parcel_inside_makes_the_compartment_occupied(ctx, courier):
    receipt = courier.deposit()
    assert states(ctx)[receipt.compartment] is CompartmentState.OCCUPIED


def test_a_deposit_queues_the_recipients_message_and_audits_a_masked_phone(ctx, courier):
    receipt = courier.deposit(phone="13812345678")

    [message] = ctx.store.outbox()
    assert message["recipient"] == "13812345678"
    assert receipt.code in message["payload"] and receipt.qr in message["payload"]
    deposited = [r for r in ctx.store.audit_records() if r.action == "parcel.deposited"]
    assert deposited[0].details["phone"] == "138****5678"
    assert "13812345678" not in str([r.details for r in ctx.store.audit_records()])


def test_a_recipient_who_needs_a_low_door_gets_one(ctx, courier):
    assert courier.deposit(needs_low=True).compartment == "A02"


def test_larger_parcels_go_to_larger_doors(ctx, courier):
    assert courier.deposit("SF0001", size=Size.L).compartment == "C01"
    assert courier.deposit("SF0002", size=Size.L).compartment == "D01"
    with pytest.raises(NoCompartmentError, match="size L"):
        deposit_parcel(ctx, courier.id, "SF0003", "13812345678", Size.L)


def test_a_full_locker_refuses_and_reserves_nothing(ctx, courier):
    for n in range(6):
        courier.deposit(f"SF{n:04d}", size=Size.S)
    before = states(ctx)
    with pytest.raises(NoCompartmentError):
        deposit_parcel(ctx, courier.id, "SF9999", "13812345678", Size.S)
    assert states(ctx) == before
    assert len(ctx.store.parcels()) == 6


def test_a_door_that_does_not_open_flags_a_fault_and_records_no_parcel(ctx, courier, board):
    board.stuck.add(ctx.store.compartment("A01").address)

    with pytest.raises(DoorDidNotOpenError, match="A01") as refusal:
        deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)

    assert refusal.value.outcome == "not_confirmed"
    assert states(ctx)["A01"] is CompartmentState.FAULT
    assert CompartmentState.RESERVED not in states(ctx).values()
    assert ctx.store.parcels() == []
    assert ctx.store.outbox() == []
    # The courier simply tries again and gets the next door.
    assert courier.deposit("SF0001").compartment == "A02"


def test_a_board_that_does_not_answer_is_treated_like_a_door_that_did_not_open(ctx, courier, board):
    board.silent.add(ctx.store.compartment("A01").address)
    with pytest.raises(DoorDidNotOpenError) as refusal:
        deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    assert refusal.value.outcome == "no_answer"
    assert states(ctx)["A01"] is CompartmentState.FAULT
    [op] = ctx.store.door_operations()
    assert op["outcome"] == "no_answer"


def test_a_driver_that_raises_leaves_no_reservation(ctx, courier, board):
    def broken(address, timeout=2.0):
        raise OSError("port vanished")

    board.open = broken
    with pytest.raises(DoorDidNotOpenError):
        deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    assert CompartmentState.RESERVED not in states(ctx).values()


def test_the_same_parcel_cannot_be_deposited_twice(ctx, courier):
    courier.deposit("SF0001")
    with pytest.raises(NotAllowedError, match="already in this locker in A01"):
        deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)


@pytest.mark.parametrize(
    ("tracking", "phone", "message"),
    [
        ("", "13812345678", "tracking number"),
        ("SF 0001", "13812345678", "tracking number"),
        ("SF0001", "1234", "phone number"),
        ("SF0001", "phone", "phone number"),
    ],
)
def test_bad_input_is_refused_before_any_door_is_touched(
    ctx, courier, board, tracking, phone, message
):
    with pytest.raises(InvalidInputError, match=message):
        deposit_parcel(ctx, courier.id, tracking, phone, Size.S)
    assert board.opened == []
    assert set(states(ctx).values()) == {CompartmentState.FREE}


def test_a_disabled_courier_cannot_deposit(ctx, courier):
    from locker.services.accounts import set_courier_active
    from locker.services.errors import NotFoundError

    set_courier_active(ctx, courier.id, False, "admin:admin")
    with pytest.raises(NotFoundError, match="disabled"):
        deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)


def test_every_door_command_is_journaled_before_and_after(ctx, courier):
    courier.deposit()
    [op] = ctx.store.door_operations()
    assert (op["compartment"], op["purpose"], op["outcome"]) == ("A01", "deposit", "confirmed")
    assert op["started_at"] <= op["finished_at"]


def test_a_code_already_held_by_a_live_parcel_is_never_issued_again(ctx, courier):
    draws = iter(["11112222", "11112222", "33334444"])
    ctx.code_source = lambda length: next(draws)

    first = courier.deposit("SF0001")
    second = courier.deposit("SF0002")

    assert first.code == "11112222"
    assert second.code == "33334444"


def test_a_collected_parcels_code_may_be_drawn_again_and_opens_only_the_new_parcel(ctx, courier):
    from locker.services.collect_parcel import collect_by_code

    ctx.code_source = lambda length: "55556666"
    first = courier.deposit("SF0001")
    collect_by_code(ctx, first.code)
    second = courier.deposit("SF0002")
    assert second.code == first.code
    assert collect_by_code(ctx, "55556666").parcel.id == second.parcel.id
