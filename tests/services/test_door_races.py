"""The same door action three times at once: one door fires, one record, no crash.

Each attempt runs on its own thread with its own connection to the real database file, as the
kiosk's server threads, the camera's dispatcher and a CLI command do. The first unlock is held
at the board until the other attempts have come and gone, so they overlap it for sure.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Callable

import pytest

from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.services.cancel_deposit import cancel_deposit
from locker.services.collect_parcel import collect_by_code, collect_by_qr
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import (
    CodeRejectedError,
    DoorBusyError,
    DoorDidNotOpenError,
    LockedOutError,
    NotAllowedError,
)
from locker.services.expire_overdue import expire_overdue
from locker.services.force_open import force_open
from locker.services.retrieve_expired import retrieve_expired
from locker.store import SqliteStore
from tests.support.gated_board import GatedBoard

REFUSALS = (DoorBusyError, CodeRejectedError, NotAllowedError)


def three_at_once(ctx, db_path, board: GatedBoard, action: Callable[[LockerContext], object]):
    """Run `action` three times at once; the first to reach the board waits for the others.

    Returns (results, refusals); anything else raised fails the test.
    """

    def attempt():
        with SqliteStore(db_path) as store:
            return action(LockerContext(store, board, ctx.clock, ctx.rules))

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(attempt) for _ in range(3)]
        assert board.wait_for_unlock(), "no attempt reached the board"
        # The others finish while the first is in flight (they may not reach the board).
        for future in futures:
            with contextlib.suppress(concurrent.futures.TimeoutError):
                future.exception(timeout=0.5)
        board.gate.set()
        results, refusals = [], []
        for future in futures:
            try:
                results.append(future.result(timeout=10))
            except REFUSALS as refusal:
                refusals.append(refusal)
    return results, refusals


@pytest.fixture
def board() -> GatedBoard:
    return GatedBoard()


def test_a_deposit_tapped_three_times_opens_one_door_and_records_one_parcel(
    ctx, courier, board, db_path
):
    board.hold()
    results, refusals = three_at_once(
        ctx,
        db_path,
        board,
        lambda c: deposit_parcel(c, courier.id, "SF0000000001", "13812345678", Size.S),
    )
    assert len(results) == 1 and len(refusals) == 2
    assert len(board.opened) == 1
    assert [p.compartment for p in ctx.store.parcels()] == [results[0].compartment]
    reserved = ctx.store.compartments(CompartmentState.RESERVED)
    assert reserved == [], "a refused tap leaves no door reserved"


def test_a_pickup_code_entered_three_times_opens_the_door_once(ctx, courier, board, db_path):
    receipt = courier.deposit()
    board.hold()
    results, refusals = three_at_once(
        ctx, db_path, board, lambda c: collect_by_code(c, receipt.code)
    )
    assert len(results) == 1 and len(refusals) == 2
    assert len(board.opened) == 1
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED
    collected = [r for r in ctx.store.audit_records() if r.action == "parcel.collected"]
    assert len(collected) == 1


def test_the_camera_and_the_keypad_at_once_open_the_door_once(ctx, courier, board, db_path):
    receipt = courier.deposit()
    board.hold()
    ways = iter([collect_by_qr, collect_by_code, collect_by_qr])
    codes = {collect_by_qr: receipt.qr, collect_by_code: receipt.code}

    def pick_up(c):
        way = next(ways)
        return way(c, codes[way])

    results, _refusals = three_at_once(ctx, db_path, board, pick_up)
    assert len(results) == 1 and len(board.opened) == 1


def test_expiry_waits_for_a_pickup_in_flight(ctx, courier, board, db_path, clock):
    receipt = courier.deposit()
    board.hold()
    clock.advance(hours=71, minutes=59, seconds=59)

    def pick_up(c):
        result = collect_by_code(c, receipt.code)
        return result

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(
            lambda: pick_up(LockerContext(SqliteStore(db_path), board, clock, ctx.rules))
        )
        assert board.wait_for_unlock()
        clock.advance(seconds=2)
        assert expire_overdue(ctx) == []
        board.gate.set()
        future.result(timeout=10)
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED


def test_an_undo_tapped_three_times_opens_the_door_once(ctx, courier, board, db_path):
    receipt = courier.deposit()
    board.hold()
    results, _refusals = three_at_once(
        ctx, db_path, board, lambda c: cancel_deposit(c, courier.id, receipt.parcel.tracking)
    )
    assert len(board.opened) == 1
    assert set(results) <= {receipt.compartment}
    requested = [r for r in ctx.store.audit_records() if r.action == "parcel.undo_requested"]
    assert len(requested) == 1


def test_taking_back_an_expired_parcel_three_times_at_once_opens_it_once(
    ctx, courier, board, db_path, clock
):
    receipt = courier.deposit()
    board.hold()
    clock.advance(hours=73)
    expire_overdue(ctx)
    results, _refusals = three_at_once(
        ctx, db_path, board, lambda c: retrieve_expired(c, courier.id, receipt.parcel.tracking)
    )
    assert len(results) == 1 and len(board.opened) == 1
    returned = [r for r in ctx.store.audit_records() if r.action == "parcel.returned"]
    assert len(returned) == 1


def test_a_service_opening_tapped_three_times_fires_the_lock_once(ctx, board, db_path):
    board.hold()
    _results, refusals = three_at_once(
        ctx, db_path, board, lambda c: force_open(c, "admin", "B01", "check the latch")
    )
    assert len(board.opened) == 1
    assert all(isinstance(r, DoorBusyError) for r in refusals)


def test_a_burst_of_wrong_codes_at_once_is_judged_within_the_keypads_budget(ctx, db_path):
    """Twelve wrong codes at once: five are judged, the rest find the keypad paused."""

    def guess(n: int):
        with SqliteStore(db_path) as store:
            try:
                collect_by_code(LockerContext(store, ctx.board, ctx.clock, ctx.rules), f"{n:08d}")
            except CodeRejectedError:
                return "judged"
            except LockedOutError:
                return "paused"
        return "opened"

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(12)))
    assert answers.count("judged") == ctx.rules.keypad.max_failures
    assert answers.count("paused") == 12 - ctx.rules.keypad.max_failures


def test_a_deposit_tapped_three_times_with_the_bus_down_reserves_and_blames_nothing(
    ctx, courier, board, db_path
):
    board.unplugged.add("main")
    board.hold()

    def deposit(c):
        try:
            return deposit_parcel(c, courier.id, "SF0000000001", "13812345678", Size.S)
        except DoorDidNotOpenError as unsent:
            return unsent

    results, refusals = three_at_once(ctx, db_path, board, deposit)
    assert [r.outcome for r in results] == ["not_sent"] and len(refusals) == 2
    assert ctx.store.parcels() == []
    assert {c.state for c in ctx.store.compartments()} == {CompartmentState.FREE}
    assert [r.action for r in ctx.store.audit_records()].count("door.unreachable") == 1
