"""A bus that is down (its adapter unplugged, its port not open) sends no unlock at all: the
person is told the locker cannot reach its doors just now, nothing is changed, and no door is
blamed for it. Once the bus is back, the same code, deposit or service opening works."""

from __future__ import annotations

import pytest

from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.services.cancel_deposit import cancel_deposit
from locker.services.collect_parcel import collect_by_code
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import DoorDidNotOpenError, ServiceRefusal
from locker.services.force_open import force_open
from locker.services.scan_pickup import pickup_by_scan

NOT_SENT = "not_sent"


def unplug(ctx) -> None:
    ctx.board.unplugged.add("main")


def replug(ctx) -> None:
    ctx.board.unplugged.discard("main")


def states(ctx) -> dict[str, CompartmentState]:
    return {c.label: c.state for c in ctx.store.compartments()}


def actions(ctx) -> list[str]:
    return [r.action for r in ctx.store.audit_records()]


def refused_unreachable(call) -> DoorDidNotOpenError:
    with pytest.raises(DoorDidNotOpenError) as refusal:
        call()
    assert refusal.value.code is ServiceRefusal.DOORS_UNREACHABLE
    assert refusal.value.outcome == NOT_SENT
    assert "try again" in str(refusal.value)
    return refusal.value


def test_a_pickup_with_the_bus_down_blames_no_door_and_works_once_it_is_back(ctx, courier):
    receipt = courier.deposit()
    before = states(ctx)
    unplug(ctx)

    refused_unreachable(lambda: collect_by_code(ctx, receipt.code))
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert states(ctx) == before
    assert "door.fault" not in actions(ctx)
    assert "door.unreachable" in actions(ctx)
    assert ctx.store.door_operation_in_flight(receipt.compartment, None, None) is None

    replug(ctx)
    assert collect_by_code(ctx, receipt.code).compartment == receipt.compartment
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED


def test_a_deposit_with_the_bus_down_records_nothing_and_frees_its_door(ctx, courier):
    before = states(ctx)
    unplug(ctx)

    refused_unreachable(
        lambda: deposit_parcel(ctx, courier.id, "SF0000000009", "13812345678", Size.S)
    )
    assert ctx.store.parcels() == []
    assert states(ctx) == before
    assert ctx.store.door_operation_in_flight(tracking="SF0000000009") is None

    replug(ctx)
    receipt = deposit_parcel(ctx, courier.id, "SF0000000009", "13812345678", Size.S)
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED


def test_staff_openings_with_the_bus_down_blame_no_door(ctx, courier):
    receipt = courier.deposit()
    before = states(ctx)
    unplug(ctx)

    refused_unreachable(lambda: cancel_deposit(ctx, courier.id, receipt.parcel.tracking))
    refused_unreachable(lambda: force_open(ctx, "admin", "A02", "checking the latch"))
    assert states(ctx) == before
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert "door.fault" not in actions(ctx)

    replug(ctx)
    assert cancel_deposit(ctx, courier.id, receipt.parcel.tracking) == receipt.compartment


def test_a_scanned_code_with_the_bus_down_is_told_so_and_opens_later(ctx, courier):
    receipt = courier.deposit()
    unplug(ctx)
    outcome = pickup_by_scan(ctx, receipt.qr)
    assert outcome.opened is None and outcome.reason == "unreachable"
    assert outcome.door == receipt.compartment

    replug(ctx)
    assert pickup_by_scan(ctx, receipt.qr).opened == receipt.compartment
