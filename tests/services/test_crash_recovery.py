"""A process that dies halfway through a deposit or pickup loses no parcel and no door.

Each test runs the use case in a forked child that really dies (os._exit) at the chosen
moment, then starts afresh on the same database file, as the kiosk does after a power cut.
"""

from __future__ import annotations

import multiprocessing
import os

from locker.boards.in_memory import InMemoryBoard
from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.ports import UnlockOutcome
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.reconcile import reconcile
from locker.store import SqliteStore


class DiesWhileUnlocking(InMemoryBoard):
    """The power fails after the unlock was journaled, before the board answers."""

    def open(self, address, timeout=2.0):
        os._exit(3)


class DiesAfterTheDoorOpened(InMemoryBoard):
    """The door opens, then the power fails before the parcel is recorded."""

    def open(self, address, timeout=2.0):
        super().open(address, timeout)
        return UnlockOutcome.CONFIRMED


def _run_in_child(target, *args) -> int:
    process = multiprocessing.get_context("fork").Process(target=target, args=args)
    process.start()
    process.join(timeout=30)
    assert process.exitcode is not None, "the child hung"
    return process.exitcode


def _deposit_and_die(db_path, clock, courier_id, board_class):
    with SqliteStore(db_path) as store:
        ctx = LockerContext(store=store, board=board_class(), clock=clock)
        if board_class is DiesAfterTheDoorOpened:

            def die(length):
                os._exit(4)

            ctx.code_source = die
        deposit_parcel(ctx, courier_id, "SF0001", "13812345678", Size.S)
    os._exit(0)


def _fresh_start(db_path, clock, board=None):
    store = SqliteStore(db_path)
    # Boards without item sensors unless told otherwise: a latched lock alone proves nothing.
    board = board or InMemoryBoard(sensors=False)
    return store, LockerContext(store=store, board=board, clock=clock)


def test_a_crash_while_the_unlock_is_in_flight_is_flagged_for_inspection(
    ctx, courier, db_path, clock
):
    assert _run_in_child(_deposit_and_die, db_path, clock, courier.id, DiesWhileUnlocking) == 3
    store, fresh = _fresh_start(db_path, clock)
    with store:
        assert store.compartment("A01").state is CompartmentState.RESERVED
        result = reconcile(fresh)
        assert result.faulted == ["A01"]
        assert store.compartment("A01").state is CompartmentState.FAULT
        assert store.pending_door_operations() == []
        assert [r.action for r in store.audit_records()][-1] == "door.interrupted"


def test_a_latched_door_whose_sensor_sees_an_empty_box_is_used_again(ctx, courier, db_path, clock):
    assert _run_in_child(_deposit_and_die, db_path, clock, courier.id, DiesWhileUnlocking) == 3
    store, fresh = _fresh_start(db_path, clock, InMemoryBoard(sensors=True))
    with store:
        result = reconcile(fresh)
        assert result.released == ["A01"] and result.faulted == []
        assert store.compartment("A01").state is CompartmentState.FREE
        interrupted = [r for r in store.audit_records() if r.action == "door.interrupted"]
        assert interrupted[-1].details["tracking"] == "SF0001"


def test_a_crash_after_the_door_opened_never_lets_the_door_be_given_to_someone_else(
    ctx, courier, db_path, clock
):
    assert _run_in_child(_deposit_and_die, db_path, clock, courier.id, DiesAfterTheDoorOpened) == 4
    store, fresh = _fresh_start(db_path, clock)
    with store:
        assert store.parcels() == []
        result = reconcile(fresh)
        assert result.faulted == ["A01"] and result.released == []
        # The next courier is sent to another door, not to one that may hold a parcel.
        from tests.conftest import CourierActions

        assert CourierActions(fresh).deposit("SF0002").compartment == "A02"


def test_a_reservation_without_a_door_command_is_simply_released(ctx, courier, db_path, clock):
    from locker.services.door_commands import move_compartment

    with ctx.store.transaction():
        move_compartment(ctx, "B01", CompartmentState.RESERVED)
    store, fresh = _fresh_start(db_path, clock)
    with store:
        assert reconcile(fresh).released == ["B01"]
        assert store.compartment("B01").state is CompartmentState.FREE


def test_a_crash_during_a_pickup_keeps_the_parcel_deposited(ctx, courier, db_path, clock):
    receipt = courier.deposit()

    def pick_up_and_die():
        from locker.services.collect_parcel import collect_by_qr

        with SqliteStore(db_path) as store:
            child = LockerContext(store=store, board=DiesWhileUnlocking(), clock=clock)
            collect_by_qr(child, receipt.qr)

    assert _run_in_child(pick_up_and_die) == 3
    store, fresh = _fresh_start(db_path, clock)
    with store:
        reconcile(fresh)
        assert store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
        assert store.compartment(receipt.compartment).state is CompartmentState.FAULT


def _confirmed_collect_without_its_effect(ctx, receipt):
    """What a crash between the two commits of the old pickup left: the unlock confirmed, the
    parcel still deposited."""
    with ctx.store.transaction():
        op = ctx.store.begin_door_operation(
            receipt.compartment, "collect", "recipient", receipt.parcel.id, ctx.clock.now()
        )
        ctx.store.finish_door_operation(op, "confirmed", ctx.clock.now())


def test_a_confirmed_pickup_cut_short_is_settled_as_collected(ctx, courier, db_path, clock):
    receipt = courier.deposit()
    _confirmed_collect_without_its_effect(ctx, receipt)
    store, fresh = _fresh_start(db_path, clock)
    with store:
        assert reconcile(fresh).settled == [receipt.compartment]
        assert store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED
        record = [r for r in store.audit_records() if r.action == "parcel.collected"][-1]
        assert record.details["settled_after_restart"] is True
        assert store.outbox()[0]["status"] == "cancelled"


def test_a_confirmed_pickup_whose_parcel_the_sensor_still_sees_stays_deposited(
    ctx, courier, db_path, clock
):
    receipt = courier.deposit()
    _confirmed_collect_without_its_effect(ctx, receipt)
    board = InMemoryBoard(sensors=True)
    board.close_door(ctx.store.compartment(receipt.compartment).address, item_present=True)
    store, fresh = _fresh_start(db_path, clock, board)
    with store:
        assert reconcile(fresh).settled == []
        assert store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
        assert [r.action for r in store.audit_records()][-1] == "door.unsettled"


def test_an_interrupted_pickup_behind_a_latched_door_with_the_parcel_seen_needs_no_repair(
    ctx, courier, db_path, clock
):
    receipt = courier.deposit()

    def pick_up_and_die():
        from locker.services.collect_parcel import collect_by_code

        with SqliteStore(db_path) as store:
            child = LockerContext(store=store, board=DiesWhileUnlocking(), clock=clock)
            collect_by_code(child, receipt.code)

    assert _run_in_child(pick_up_and_die) == 3
    board = InMemoryBoard(sensors=True)
    board.close_door(ctx.store.compartment(receipt.compartment).address, item_present=True)
    store, fresh = _fresh_start(db_path, clock, board)
    with store:
        assert reconcile(fresh).faulted == []
        assert store.compartment(receipt.compartment).state is CompartmentState.OCCUPIED
        assert store.parcel(receipt.parcel.id).state is ParcelState.DEPOSITED
