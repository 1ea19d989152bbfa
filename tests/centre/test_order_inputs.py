"""Hostile orders: wrong types, a bool for a number, huge numbers, NUL, long text. Each is one
OrderError with 422 naming its field, and nothing is stored or sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from locker.centre.carrier_orders import OrderError
from locker.centre.order_states import (
    PREADVICE_MOVES,
    RESERVATION_MOVES,
    IllegalMoveError,
    PreadviceState,
    ReservationState,
    next_state,
)
from tests.centre.order_fakes import NOW, done
from tests.centre.orders_setup import CARRIER, ONLINE, TRACKING, Desk


@pytest.fixture
def centre_db_url(tmp_path: Path) -> str:
    """SQLite alone: every refusal here comes before the store is touched."""
    return f"sqlite:///{tmp_path / 'centre.db'}"


HOSTILE_PREADVICE = [
    ("carrier", ""),
    ("carrier", " padded "),
    ("carrier", "two\nlines"),
    ("carrier", None),
    ("carrier", "c" * 65),
    ("tracking", "AC12\x0034"),
    ("tracking", "A" * 10_000),
    ("tracking", 123456789),
    ("tracking", "AB"),
    ("tracking", ["AC123456789CN"]),
    ("locker", "L-ONLINE\x00"),
    ("locker", "x" * 65),
    ("locker", 5),
    ("phone", "1381234\x005678"),
    ("phone", 13812345678),
    ("phone", "1" * 10_000),
    ("phone", "+" * 40),
    ("phone", "call me"),
    ("size", "XXL"),
    ("size", "m"),
    ("size", 1),
    ("size", None),
    ("low_door", 1),
    ("low_door", "true"),
    ("low_door", None),
    ("language", "fr"),
    ("language", 1),
    ("language", "zh\x00"),
    ("expected_at", True),
    ("expected_at", 2**70),
    ("expected_at", -1),
    ("expected_at", "1790003600"),
    ("expected_at", 1_790_003_600.0),
    ("expected_at", int(NOW) + 10**9),
    ("expected_at", None),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE_PREADVICE)
def test_a_hostile_preadvice_is_refused_by_field(desk: Desk, field: str, value: Any) -> None:
    key = "locker_id" if field == "locker" else field
    with pytest.raises(OrderError) as raised:
        desk.preadvise(**{key: value})
    assert (raised.value.code, raised.value.status) == (f"invalid.{field}", 422)
    assert desk.rows() == 0 and desk.sender.sent == []


HOSTILE_RESERVATION = [
    ("size", "XL\n"),
    ("size", b"M"),
    ("count", True),
    ("count", 0),
    ("count", 51),
    ("count", 2**64),
    ("count", "3"),
    ("count", 2.0),
    ("ttl_seconds", 86_401),
    ("ttl_seconds", True),
    ("ttl_seconds", 59),
    ("ttl_seconds", 1e5),
    ("ttl_seconds", -1),
    ("ttl_seconds", 10**100),
    ("locker", "L\x00"),
    ("carrier", {"name": "acme"}),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE_RESERVATION)
def test_a_hostile_reservation_is_refused_by_field(desk: Desk, field: str, value: Any) -> None:
    args: dict[str, Any] = {
        "carrier": CARRIER,
        "locker_id": ONLINE,
        "size": "M",
        "count": 2,
        "ttl_seconds": 3600,
    }
    args["locker_id" if field == "locker" else field] = value
    with pytest.raises(OrderError) as raised:
        desk.orders.reserve(**args)
    assert (raised.value.code, raised.value.status) == (f"invalid.{field}", 422)
    assert desk.rows() == 0 and desk.sender.sent == []


@pytest.mark.parametrize("tracking", ["\x00", "x" * 5000, 42, None])
def test_reading_or_withdrawing_a_hostile_tracking_number_is_422(desk: Desk, tracking: Any) -> None:
    for call in (desk.orders.parcel_status, desk.orders.withdraw):
        with pytest.raises(OrderError) as raised:
            call(CARRIER, tracking)
        assert raised.value.status == 422


def test_the_largest_allowed_values_are_taken(desk: Desk) -> None:
    desk.preadvise(tracking="A" * 40, expected_at=int(NOW) + 31 * 86400, phone="+861381234567")
    desk.orders.reserve(CARRIER, ONLINE, "XL", 50, 86_400)
    assert desk.rows() == 2
    assert desk.orders.parcel_status(CARRIER, "A" * 40)["preadvice"]["phone"] == "+********4567"


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (PreadviceState.WITHDRAWN, "preadvise.done"),
        (PreadviceState.REFUSED, "withdraw"),
        (PreadviceState.DEPOSITED, "record.gone"),
        (PreadviceState.CONFIRMED, "preadvise.refused"),
    ],
)
def test_the_preadvice_table_refuses_a_move_it_does_not_have(
    state: PreadviceState, event: str
) -> None:
    with pytest.raises(IllegalMoveError):
        next_state(PREADVICE_MOVES, state, event)


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (ReservationState.EXPIRED, "hold.done"),
        (ReservationState.CANCELLED, "cancel"),
        (ReservationState.REFUSED, "expire"),
    ],
)
def test_the_reservation_table_refuses_a_move_it_does_not_have(
    state: ReservationState, event: str
) -> None:
    with pytest.raises(IllegalMoveError):
        next_state(RESERVATION_MOVES, state, event)


def test_a_late_answer_does_not_undo_a_withdrawal(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.withdraw(CARRIER, TRACKING)
    preadvise, withdrawal = desk.sender.sent
    desk.orders.result(ONLINE, done(withdrawal))
    desk.orders.result(ONLINE, done(preadvise))
    assert desk.preadvice_row().state == "withdrawn"
