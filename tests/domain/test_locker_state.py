"""The state a locker reports to the centre: space by size and the doors that need someone."""

from __future__ import annotations

from datetime import UTC, datetime

from locker.domain.locker_state import locker_state
from locker.domain.models import Address, Compartment, Size
from locker.domain.states import CompartmentState


def door(label: str, size: Size, state: CompartmentState) -> Compartment:
    return Compartment(label, size, Address("main", 0, 1), False, state)


def test_free_and_total_are_counted_by_size_and_doors_needing_someone_are_listed() -> None:
    doors = [
        door("A01", Size.S, CompartmentState.FREE),
        door("A02", Size.S, CompartmentState.OCCUPIED),
        door("B01", Size.M, CompartmentState.FAULT),
        door("B02", Size.M, CompartmentState.OPEN),
        door("C01", Size.L, CompartmentState.OUT_OF_SERVICE),
    ]
    now = datetime(2026, 11, 11, 9, tzinfo=UTC)

    state = locker_state(doors, True, "ok", "1.0", 42, now)

    assert state["free"] == {
        "S": 1,
        "M": 0,
        "L": 0,
        **{k: 0 for k in state["free"] if k not in "SML"},
    }
    assert state["total"]["S"] == 2 and state["total"]["M"] == 2
    assert [d["door"] for d in state["attention"]] == ["B01", "B02", "C01"]
    assert state["audit_head_seq"] == 42
    assert state["clock"] == now.timestamp()


def test_held_doors_are_reported_apart_and_not_as_free() -> None:
    doors = [door(f"A0{n}", Size.S, CompartmentState.FREE) for n in range(1, 4)]
    doors.append(door("B01", Size.M, CompartmentState.FREE))
    now = datetime(2026, 11, 11, 9, tzinfo=UTC)

    state = locker_state(doors, True, None, "1.0", 1, now, held={Size.S: 2})

    assert state["free"] == {"S": 1, "M": 1, "L": 0, "XL": 0}
    assert state["held"] == {"S": 2, "M": 0, "L": 0, "XL": 0}
    assert state["total"] == {"S": 3, "M": 1, "L": 0, "XL": 0}


def test_a_locker_without_holds_reports_none_held() -> None:
    now = datetime(2026, 11, 11, 9, tzinfo=UTC)

    state = locker_state([door("A01", Size.S, CompartmentState.FREE)], True, None, "1.0", 1, now)

    assert state["free"]["S"] == 1
    assert state["held"] == {"S": 0, "M": 0, "L": 0, "XL": 0}
