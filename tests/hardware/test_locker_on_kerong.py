"""The whole locker on simulated Kerong boards: use cases, door events and every fault.

The boards are simulated on a pty and driven through pyserial, the status poller reports door
changes, and the dispatcher turns them into use-case calls, as in `locker run --demo`.
"""

from __future__ import annotations

import time

import pytest

from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.services.collect_parcel import collect_by_qr
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import DoorDidNotOpenError
from locker.services.force_open import force_open
from tests.hardware.conftest import running_locker

WAIT_S = 10


def eventually(check, what: str):
    """Poll a condition the poller and dispatcher will make true, within WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)  # waiting on other threads, bounded by the deadline
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def locker(ctx, db_path, clock, lock_dir):
    """The test locker's layout on simulated Kerong boards."""
    with running_locker(ctx, db_path, clock) as (sim, dispatcher, notices):
        yield ctx, sim, dispatcher, notices


def where(ctx, label):
    address = ctx.store.compartment(label).address
    return address.board, address.channel


def actions(ctx, label):
    return [r.action for r in ctx.store.audit_records() if r.subject == label]


def test_deposit_close_and_collect_through_real_bytes(locker, courier, clock):
    ctx, sim, _, _ = locker
    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    board, channel = where(ctx, receipt.compartment)
    assert sim.state()["boards"][board]["channels"][channel - 1]["locked"] is False

    sim.model.close_door(board, channel)
    eventually(
        lambda: ctx.store.compartment(receipt.compartment).state is CompartmentState.OCCUPIED,
        "the closed door to settle the compartment",
    )
    clock.advance(minutes=30)  # the recipient comes later
    result = collect_by_qr(ctx, receipt.qr)
    assert result.compartment == receipt.compartment
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED
    sim.model.close_door(board, channel)
    eventually(
        lambda: ctx.store.compartment(receipt.compartment).state is CompartmentState.FREE,
        "the emptied compartment to be free",
    )
    assert "alarm.door_opened_without_command" not in actions(ctx, receipt.compartment)


def test_a_stuck_lock_keeps_the_parcel_safe_and_flags_the_door(locker, courier):
    ctx, sim, _, _ = locker
    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    board, channel = where(ctx, receipt.compartment)
    sim.model.close_door(board, channel)
    sim.set_fault("stuck_lock", True, board, channel)

    with pytest.raises(DoorDidNotOpenError, match="parcel is safe"):
        collect_by_qr(ctx, receipt.qr)
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.FAULT
    [op] = [o for o in ctx.store.door_operations() if o["purpose"] == "collect"]
    assert op["outcome"] == "not_confirmed"


@pytest.mark.parametrize("fault", ["no_reply", "corrupt_byte"])
def test_a_silent_or_garbled_line_keeps_the_parcel_and_flags_the_door(locker, courier, fault):
    ctx, sim, _, _ = locker
    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    board, channel = where(ctx, receipt.compartment)
    sim.model.close_door(board, channel)
    sim.set_fault(fault, True)
    with pytest.raises(DoorDidNotOpenError) as refusal:
        collect_by_qr(ctx, receipt.qr)
    assert refusal.value.outcome == "no_answer"
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.FAULT


def test_an_unplugged_port_fails_the_pickup_cleanly_and_recovers(locker, courier):
    ctx, sim, _, _ = locker
    first = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    sim.model.close_door(*where(ctx, first.compartment))
    eventually(
        lambda: ctx.store.compartment(first.compartment).state is CompartmentState.OCCUPIED,
        "the closed door to settle the compartment",
    )
    connection = next(iter(ctx.board.drivers.values()))
    sim.port.unplug()
    eventually(lambda: not connection.bus.connected, "the bus to notice the lost port")

    with pytest.raises(DoorDidNotOpenError) as refusal:
        collect_by_qr(ctx, first.qr)
    assert refusal.value.outcome == "not_sent"
    assert ctx.store.parcel(first.parcel.id).state is ParcelState.DEPOSITED
    # Nothing reached the boards: the door is not blamed for the adapter.
    assert ctx.store.compartment(first.compartment).state is CompartmentState.OCCUPIED
    assert "door.fault" not in actions(ctx, first.compartment)

    sim.port.replug()
    eventually(lambda: connection.bus.connected, "the bus to reconnect")
    assert collect_by_qr(ctx, first.qr).compartment == first.compartment
    second = deposit_parcel(ctx, courier.id, "SF0002", "13812345678", Size.S)
    assert second.compartment != first.compartment


def test_a_door_opened_with_no_command_raises_an_alarm(locker, courier, clock):
    ctx, sim, _, notices = locker
    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    sim.model.close_door(*where(ctx, receipt.compartment))
    eventually(
        lambda: ctx.store.compartment(receipt.compartment).state is CompartmentState.OCCUPIED,
        "the deposit to settle",
    )
    clock.advance(minutes=1)
    sim.model.open_by_hand(*where(ctx, receipt.compartment))
    eventually(
        lambda: "alarm.door_opened_without_command" in actions(ctx, receipt.compartment),
        "the alarm",
    )
    assert any(n.kind == "alarm" for n in notices)


def test_a_door_left_open_gets_a_reminder_then_an_admin_alert(locker, courier, clock):
    ctx, _, dispatcher, notices = locker
    deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    eventually(
        lambda: dispatcher.watch.open_for("A01", clock.now()) is not None,
        "the dispatcher to see door A01 open",
    )
    clock.advance(seconds=61)
    eventually(lambda: any(n.kind == "reminder" for n in notices), "the reminder")
    clock.advance(minutes=5)
    eventually(lambda: any(n.kind == "alert" for n in notices), "the admin alert")
    assert "alert.door_left_open" in actions(ctx, "A01")


def test_a_broken_item_sensor_is_reported_and_the_relay_still_fires(locker, courier):
    ctx, sim, _, _ = locker
    receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
    board, channel = where(ctx, receipt.compartment)
    # The test layout's bus has no item sensors configured, so fit them for this test.
    ctx.board.drivers["main"].item_sensor_boards = frozenset({board})
    sim.set_fault("sensor_stuck_off", True, board, channel)
    sim.model.put_item(board, channel)
    sim.model.close_door(board, channel)
    eventually(lambda: "sensor.fault" in actions(ctx, receipt.compartment), "the sensor fault")
    assert collect_by_qr(ctx, receipt.qr).compartment == receipt.compartment


def test_force_open_fires_the_real_lock(locker, courier):
    ctx, sim, _, _ = locker
    force_open(ctx, "admin", "C01", "inspect the hinge")
    board, channel = where(ctx, "C01")
    assert sim.state()["boards"][board]["channels"][channel - 1]["locked"] is False
