"""Doors a carrier holds: how many each hold keeps, and what that leaves for everyone else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from locker.domain.holds import (
    Hold,
    HoldEnd,
    doors_held,
    free_counts,
    held_by_size,
    kept_from,
)
from locker.domain.models import Address, Compartment, Size
from locker.domain.states import CompartmentState

NOW = datetime(2026, 11, 11, 9, tzinfo=UTC)


def hold(
    hold_id: str,
    carrier: str = "SF",
    size: Size = Size.S,
    count: int = 1,
    *,
    used: int = 0,
    placed_minutes_ago: int = 10,
    ends_in_minutes: int = 60,
    ended: HoldEnd | None = None,
) -> Hold:
    return Hold(
        hold_id,
        carrier,
        size,
        count,
        expires_at=NOW + timedelta(minutes=ends_in_minutes),
        created_at=NOW - timedelta(minutes=placed_minutes_ago),
        used=used,
        ended_at=NOW if ended else None,
        ended_how=ended,
    )


def test_a_hold_keeps_what_it_still_needs_while_doors_of_its_size_are_free() -> None:
    held = doors_held([hold("h1", count=2)], {Size.S: 5}, NOW)

    assert held == {"h1": 2}


def test_a_hold_larger_than_the_free_doors_keeps_what_there_is() -> None:
    # A door went out of service after the hold was placed.
    assert doors_held([hold("h1", count=3)], {Size.S: 1}, NOW) == {"h1": 1}
    assert doors_held([hold("h1", count=3)], {}, NOW) == {"h1": 0}


def test_the_older_hold_is_served_first_when_the_doors_do_not_cover_every_hold() -> None:
    older = hold("older", "SF", count=2, placed_minutes_ago=20)
    newer = hold("newer", "JD", count=2, placed_minutes_ago=5)

    assert doors_held([newer, older], {Size.S: 3}, NOW) == {"older": 2, "newer": 1}


def test_doors_already_used_are_no_longer_kept() -> None:
    assert doors_held([hold("h1", count=3, used=2)], {Size.S: 5}, NOW) == {"h1": 1}


def test_an_ended_or_lapsed_hold_keeps_nothing() -> None:
    holds = [
        hold("released", ended=HoldEnd.RELEASED),
        hold("lapsed", ends_in_minutes=0),
        hold("used", count=1, used=1),
    ]

    assert doors_held(holds, {Size.S: 5}, NOW) == {}
    assert held_by_size(holds, {Size.S: 5}, NOW) == {size: 0 for size in Size}


def test_holds_count_only_against_doors_of_their_own_size() -> None:
    holds = [hold("s", size=Size.S, count=2), hold("m", size=Size.M, count=1)]

    assert held_by_size(holds, {Size.S: 1, Size.M: 4}, NOW) == {
        Size.S: 1,
        Size.M: 1,
        Size.L: 0,
        Size.XL: 0,
    }


def test_doors_kept_from_a_carrier_are_those_other_carriers_hold() -> None:
    holds = [hold("sf", "SF", count=2), hold("jd", "JD", count=1, placed_minutes_ago=5)]
    free = {Size.S: 4}

    assert kept_from("SF", holds, free, NOW)[Size.S] == 1
    assert kept_from("JD", holds, free, NOW)[Size.S] == 2
    assert kept_from("YTO", holds, free, NOW)[Size.S] == 3


def test_the_state_of_a_hold_says_whether_it_still_keeps_doors() -> None:
    assert hold("a").state(NOW) == "active"
    assert hold("b", ended=HoldEnd.RELEASED).state(NOW) == "released"
    assert hold("c", ends_in_minutes=0).state(NOW) == "expired"
    assert hold("d", used=1, ended=HoldEnd.USED_UP).state(NOW) == "used_up"


def test_free_doors_are_counted_by_size() -> None:
    def door(label: str, size: Size, state: CompartmentState) -> Compartment:
        return Compartment(label, size, Address("main", 0, 1), False, state)

    doors = [
        door("A01", Size.S, CompartmentState.FREE),
        door("A02", Size.S, CompartmentState.RESERVED),
        door("B01", Size.M, CompartmentState.FREE),
    ]

    assert free_counts(doors) == {Size.S: 1, Size.M: 1, Size.L: 0, Size.XL: 0}


holds_strategy = st.lists(
    st.builds(
        hold,
        hold_id=st.text("abcdef", min_size=1, max_size=4),
        carrier=st.sampled_from(["SF", "JD", "YTO"]),
        size=st.sampled_from(list(Size)),
        count=st.integers(1, 6),
        used=st.integers(0, 6),
        placed_minutes_ago=st.integers(0, 100),
        ends_in_minutes=st.integers(-5, 60),
    ),
    max_size=8,
    unique_by=lambda h: h.hold_id,
)
free_strategy = st.dictionaries(st.sampled_from(list(Size)), st.integers(0, 8))


@given(holds=holds_strategy, free=free_strategy, carrier=st.sampled_from(["SF", "JD", "YTO"]))
def test_holds_never_keep_more_than_is_free_nor_more_than_they_still_need(
    holds: list[Hold], free: dict[Size, int], carrier: str
) -> None:
    held = doors_held(holds, free, NOW)
    by_size = held_by_size(holds, free, NOW)
    kept = kept_from(carrier, holds, free, NOW)
    for h in holds:
        assert 0 <= held.get(h.hold_id, 0) <= max(h.count - h.used, 0)
    for size in Size:
        assert by_size[size] <= free.get(size, 0)
        assert by_size[size] == sum(held.get(h.hold_id, 0) for h in holds if h.size is size)
        # What one carrier's couriers may take is what is free minus what others hold.
        own = sum(held.get(h.hold_id, 0) for h in holds if h.size is size and h.carrier == carrier)
        assert kept[size] == by_size[size] - own
    # The order the store lists the holds in does not change what each keeps.
    assert doors_held(list(reversed(holds)), free, NOW) == held
