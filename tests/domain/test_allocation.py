"""Which free compartment a parcel gets (docs/decisions/0004-allocation.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.allocation import choose_compartment
from locker.domain.models import Address, Compartment, Size
from locker.domain.states import CompartmentState

C = CompartmentState


def door(label: str, size: str, low: bool = False, state: C = C.FREE) -> Compartment:
    """A compartment; its address does not matter to allocation."""
    return Compartment(label, Size(size), Address("main", 0, 1), low, state)


# (case, doors, size asked, needs low, label chosen or None)
CASES: list[tuple[str, list[Compartment], str, bool, str | None]] = [
    (
        "exact size",
        [door("L01", "L"), door("S01", "S"), door("M01", "M")],
        "S",
        False,
        "S01",
    ),
    (
        "next size up when the exact size is full",
        [door("S01", "S", state=C.OCCUPIED), door("L01", "L"), door("M01", "M")],
        "S",
        False,
        "M01",
    ),
    ("nothing big enough", [door("S01", "S"), door("M01", "M")], "L", False, None),
    ("no doors at all", [], "S", False, None),
    (
        "lowest label among equals",
        [door("S03", "S"), door("S01", "S"), door("S02", "S")],
        "S",
        False,
        "S01",
    ),
    (
        "low door for a recipient who needs one",
        [door("S01", "S"), door("M01", "M", low=True)],
        "S",
        True,
        "M01",
    ),
    (
        "smallest low door that fits",
        [door("L01", "L", low=True), door("M01", "M", low=True), door("S01", "S", low=True)],
        "M",
        True,
        "M01",
    ),
    (
        "no low door fits: nothing rather than a high door",
        [door("S01", "S", low=True), door("M01", "M"), door("XL01", "XL")],
        "M",
        True,
        None,
    ),
    (
        "no free low door: nothing rather than a high door",
        [door("S01", "S", low=True, state=C.OCCUPIED), door("S02", "S")],
        "S",
        True,
        None,
    ),
    (
        "non-low recipient kept off a low door of the same size",
        [door("S01", "S", low=True), door("S02", "S")],
        "S",
        False,
        "S02",
    ),
    (
        "non-low recipient given a low door when only low doors are left",
        [door("S01", "S", low=True), door("M01", "M", low=True), door("S02", "S", state=C.FAULT)],
        "S",
        False,
        "S01",
    ),
    (
        "XL only fits XL",
        [door("L01", "L"), door("XL01", "XL", low=True), door("XL02", "XL")],
        "XL",
        False,
        "XL02",
    ),
]


@pytest.mark.parametrize(
    ("doors", "size", "needs_low", "chosen"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_choose_compartment(
    doors: list[Compartment], size: str, needs_low: bool, chosen: str | None
) -> None:
    picked = choose_compartment(doors, Size(size), needs_low)
    assert (picked.label if picked else None) == chosen


def test_size_comes_before_height_so_large_doors_stay_for_large_parcels() -> None:
    # Decision 0004: a small low door is given before a larger high one.
    doors = [door("S01", "S", low=True), door("M01", "M")]
    picked = choose_compartment(doors, Size.S, needs_low=False)
    assert picked is not None and picked.label == "S01"


def test_among_doors_of_one_size_a_high_door_goes_first_when_low_is_not_needed() -> None:
    doors = [door("S01", "S", low=True), door("S02", "S"), door("M01", "M")]
    picked = choose_compartment(doors, Size.S, needs_low=False)
    assert picked is not None and picked.label == "S02"


NOT_FREE = [s for s in CompartmentState if s is not C.FREE]


@pytest.mark.parametrize("state", NOT_FREE, ids=lambda s: s.value)
@pytest.mark.parametrize("low", [False, True], ids=["high", "low"])
def test_a_compartment_that_is_not_free_is_never_chosen(state: C, low: bool) -> None:
    assert choose_compartment([door("S01", "S", low=low, state=state)], Size.S, low) is None
    larger = door("XL01", "XL", low=low)
    picked = choose_compartment([door("S01", "S", low=low, state=state), larger], Size.S, low)
    assert picked == larger


def test_any_iterable_of_compartments_will_do() -> None:
    picked = choose_compartment(iter([door("S01", "S")]), Size.S, False)
    assert picked is not None and picked.label == "S01"


doors_strategy = st.lists(
    st.builds(
        door,
        label=st.sampled_from([f"{letter}{n:02d}" for letter in "ABC" for n in range(1, 6)]),
        size=st.sampled_from([s.value for s in Size]),
        low=st.booleans(),
        state=st.sampled_from(list(CompartmentState)),
    ),
    max_size=12,
    unique_by=lambda c: c.label,
)


@given(doors=doors_strategy, size=st.sampled_from(list(Size)), needs_low=st.booleans())
def test_the_choice_is_a_free_fitting_door_and_none_only_when_there_is_none(
    doors: list[Compartment], size: Size, needs_low: bool
) -> None:
    picked = choose_compartment(doors, size, needs_low)
    candidates = [
        c
        for c in doors
        if c.state is C.FREE and c.size.rank >= size.rank and (c.low or not needs_low)
    ]
    if picked is None:
        assert candidates == []
        return
    assert picked in doors
    assert picked.state is C.FREE
    assert picked.size.rank >= size.rank
    assert picked.low or not needs_low
    # Smallest of its kind; a low door for a non-low recipient only when no high door of that
    # size or smaller is free (decision 0004: size comes before height).
    assert picked.size.rank == min(c.size.rank for c in candidates if c.low == picked.low)
    if picked.low and not needs_low:
        assert not [c for c in candidates if not c.low and c.size.rank <= picked.size.rank]
    # The order the store lists the doors in does not change the choice.
    assert choose_compartment(list(reversed(doors)), size, needs_low) == picked


# (case, doors, size asked, needs low, doors others hold by size, label chosen or None)
HELD_CASES: list[tuple[str, list[Compartment], str, bool, dict[Size, int], str | None]] = [
    (
        "a free door beyond those others hold is taken",
        [door("S01", "S"), door("S02", "S")],
        "S",
        False,
        {Size.S: 1},
        "S01",
    ),
    (
        "the last doors others hold are not taken: the next size up is",
        [door("S01", "S"), door("S02", "S"), door("M01", "M")],
        "S",
        False,
        {Size.S: 2},
        "M01",
    ),
    (
        "every fitting door held by others: nothing, as when the locker is full",
        [door("S01", "S"), door("M01", "M")],
        "S",
        False,
        {Size.S: 1, Size.M: 1},
        None,
    ),
    (
        "a hold counts doors, not which ones: a low door may still be given",
        [door("S01", "S", low=True), door("S02", "S")],
        "S",
        True,
        {Size.S: 1},
        "S01",
    ),
    (
        "holds of other sizes do not matter",
        [door("S01", "S"), door("M01", "M")],
        "S",
        False,
        {Size.M: 1, Size.XL: 3},
        "S01",
    ),
]


@pytest.mark.parametrize(
    ("doors", "size", "needs_low", "kept", "chosen"),
    [case[1:] for case in HELD_CASES],
    ids=[case[0] for case in HELD_CASES],
)
def test_doors_others_hold_are_kept_from_the_courier(
    doors: list[Compartment], size: str, needs_low: bool, kept: dict[Size, int], chosen: str | None
) -> None:
    picked = choose_compartment(doors, Size(size), needs_low, kept)
    assert (picked.label if picked else None) == chosen


@given(
    doors=doors_strategy,
    size=st.sampled_from(list(Size)),
    needs_low=st.booleans(),
    kept=st.dictionaries(st.sampled_from(list(Size)), st.integers(0, 4)),
)
def test_a_door_is_never_taken_from_a_size_whose_free_doors_others_hold(
    doors: list[Compartment], size: Size, needs_low: bool, kept: dict[Size, int]
) -> None:
    picked = choose_compartment(doors, size, needs_low, kept)
    if picked is None:
        return
    free_of_its_size = [c for c in doors if c.state is C.FREE and c.size is picked.size]
    assert len(free_of_its_size) > kept.get(picked.size, 0)
    # With nothing held, the choice is the one decision 0004 makes.
    assert choose_compartment(doors, size, needs_low, {}) == choose_compartment(
        doors, size, needs_low
    )
