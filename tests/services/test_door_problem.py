""" "The door didn't open" is believed only while nothing shows the door ever opened."""

from __future__ import annotations

import pytest

from locker.domain.door_watch import DoorWatch
from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.ports import DoorEvent, DoorEventKind
from locker.services.deposit_parcel import deposit_parcel
from locker.services.door_events import handle_door_event
from locker.services.errors import NotAllowedError
from locker.services.report_door_problem import report_door_not_opened


def deposit(ctx, courier):
    return deposit_parcel(ctx, courier.id, "SF0000000001", "13812345678", Size.S)


def test_a_door_that_never_opened_is_flagged_and_the_deposit_withdrawn(ctx, courier):
    receipt = deposit(ctx, courier)
    assert report_door_not_opened(ctx, courier.id, "SF0000000001") == receipt.compartment
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.CANCELLED
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.FAULT


def test_after_the_door_was_shut_on_the_parcel_the_deposit_stands(ctx, courier):
    receipt = deposit(ctx, courier)
    courier.close(receipt.compartment, item_present=True)
    with pytest.raises(NotAllowedError, match="use undo"):
        report_door_not_opened(ctx, courier.id, "SF0000000001")
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.OCCUPIED


def test_once_the_board_reported_the_door_open_the_deposit_stands(ctx, courier):
    receipt = deposit(ctx, courier)
    address = ctx.store.compartment(receipt.compartment).address
    handle_door_event(ctx, DoorEvent(address, DoorEventKind.OPENED), DoorWatch())
    with pytest.raises(NotAllowedError):
        report_door_not_opened(ctx, courier.id, "SF0000000001")
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.OPEN


def test_an_opening_reported_before_this_deposit_does_not_count(ctx, courier, clock):
    address = ctx.store.compartment("A01").address
    handle_door_event(ctx, DoorEvent(address, DoorEventKind.OPENED), DoorWatch())
    clock.advance(minutes=1)
    receipt = deposit(ctx, courier)
    assert receipt.compartment == "A01"
    assert report_door_not_opened(ctx, courier.id, "SF0000000001") == "A01"
