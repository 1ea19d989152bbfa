"""The parcel and compartment transition tables, checked against the design table."""

from __future__ import annotations

import itertools

import pytest

from locker.domain.errors import IllegalTransitionError
from locker.domain.states import (
    COMPARTMENT_TRANSITIONS,
    NEW,
    PARCEL_TRANSITIONS,
    CompartmentState,
    ParcelState,
    next_compartment_state,
    next_parcel_state,
)

P = ParcelState
C = CompartmentState

# The design table, written out by hand on purpose: a row silently dropped from (or added to)
# the code's table makes one of the tests below fail.
DESIGNED_PARCEL_MOVES = [
    (NEW, P.EXPECTED),
    (NEW, P.DEPOSITED),
    (P.EXPECTED, P.DEPOSITED),
    (P.DEPOSITED, P.COLLECTED),
    (P.DEPOSITED, P.EXPIRED),
    (P.EXPIRED, P.RETURNED),
    (P.DEPOSITED, P.CANCELLED),
    (P.EXPECTED, P.CANCELLED),
    (P.DEPOSITED, P.DISPUTED),
    (P.DISPUTED, P.COLLECTED),
    (P.DISPUTED, P.RETURNED),
]

DESIGNED_COMPARTMENT_MOVES = [
    (C.FREE, C.RESERVED),
    (C.RESERVED, C.FREE),
    (C.RESERVED, C.OPEN),
    (C.OPEN, C.OCCUPIED),
    (C.OPEN, C.FREE),
    (C.OCCUPIED, C.OPEN),
    # any (other than fault) -> fault
    (C.FREE, C.FAULT),
    (C.RESERVED, C.FAULT),
    (C.OPEN, C.FAULT),
    (C.OCCUPIED, C.FAULT),
    (C.OUT_OF_SERVICE, C.FAULT),
    # any but open (and not out_of_service itself) -> out_of_service
    (C.FREE, C.OUT_OF_SERVICE),
    (C.RESERVED, C.OUT_OF_SERVICE),
    (C.OCCUPIED, C.OUT_OF_SERVICE),
    (C.FAULT, C.OUT_OF_SERVICE),
    # fault or out_of_service -> free or occupied, by what is inside
    (C.FAULT, C.FREE),
    (C.FAULT, C.OCCUPIED),
    (C.OUT_OF_SERVICE, C.FREE),
    (C.OUT_OF_SERVICE, C.OCCUPIED),
]

ALL_PARCEL_PAIRS = list(itertools.product([NEW, *ParcelState], ParcelState))
ALL_COMPARTMENT_PAIRS = list(itertools.product(CompartmentState, CompartmentState))


def _name(state: ParcelState | CompartmentState | None) -> str:
    return "new" if state is None else state.value


def _ids(pairs: list[tuple[ParcelState | None, ParcelState]] | list[tuple[C, C]]) -> list[str]:
    return [f"{_name(a)}->{_name(b)}" for a, b in pairs]


def test_the_design_tables_have_no_duplicate_rows() -> None:
    assert len(set(DESIGNED_PARCEL_MOVES)) == len(DESIGNED_PARCEL_MOVES)
    assert len(set(DESIGNED_COMPARTMENT_MOVES)) == len(DESIGNED_COMPARTMENT_MOVES)


def test_the_parcel_table_is_exactly_the_design_table() -> None:
    assert set(PARCEL_TRANSITIONS) == set(DESIGNED_PARCEL_MOVES)


def test_the_compartment_table_is_exactly_the_design_table() -> None:
    assert set(COMPARTMENT_TRANSITIONS) == set(DESIGNED_COMPARTMENT_MOVES)


@pytest.mark.parametrize(
    ("current", "target"), list(PARCEL_TRANSITIONS), ids=_ids(list(PARCEL_TRANSITIONS))
)
def test_every_row_of_the_parcel_table_is_accepted(
    current: ParcelState | None, target: ParcelState
) -> None:
    assert next_parcel_state(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"), DESIGNED_PARCEL_MOVES, ids=_ids(DESIGNED_PARCEL_MOVES)
)
def test_every_designed_parcel_move_is_accepted(
    current: ParcelState | None, target: ParcelState
) -> None:
    assert next_parcel_state(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    list(COMPARTMENT_TRANSITIONS),
    ids=_ids(list(COMPARTMENT_TRANSITIONS)),
)
def test_every_row_of_the_compartment_table_is_accepted(
    current: CompartmentState, target: CompartmentState
) -> None:
    assert next_compartment_state(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"), DESIGNED_COMPARTMENT_MOVES, ids=_ids(DESIGNED_COMPARTMENT_MOVES)
)
def test_every_designed_compartment_move_is_accepted(
    current: CompartmentState, target: CompartmentState
) -> None:
    assert next_compartment_state(current, target) is target


ILLEGAL_PARCEL_MOVES = [pair for pair in ALL_PARCEL_PAIRS if pair not in DESIGNED_PARCEL_MOVES]
ILLEGAL_COMPARTMENT_MOVES = [
    pair for pair in ALL_COMPARTMENT_PAIRS if pair not in DESIGNED_COMPARTMENT_MOVES
]


@pytest.mark.parametrize(
    ("current", "target"), ILLEGAL_PARCEL_MOVES, ids=_ids(ILLEGAL_PARCEL_MOVES)
)
def test_a_parcel_move_outside_the_table_is_refused_naming_both_states(
    current: ParcelState | None, target: ParcelState
) -> None:
    with pytest.raises(IllegalTransitionError) as raised:
        next_parcel_state(current, target)
    message = str(raised.value)
    assert _name(current) in message
    assert message.endswith(f"cannot become {target.value}")


@pytest.mark.parametrize(
    ("current", "target"), ILLEGAL_COMPARTMENT_MOVES, ids=_ids(ILLEGAL_COMPARTMENT_MOVES)
)
def test_a_compartment_move_outside_the_table_is_refused_naming_both_states(
    current: CompartmentState, target: CompartmentState
) -> None:
    with pytest.raises(IllegalTransitionError) as raised:
        next_compartment_state(current, target)
    assert str(raised.value) == (
        f"a compartment that is {current.value} cannot become {target.value}"
    )


def test_the_illegal_lists_cover_every_pair_not_in_the_tables() -> None:
    # Guards the parametrization above: legal + illegal is every pair, with no overlap.
    assert len(ILLEGAL_PARCEL_MOVES) + len(DESIGNED_PARCEL_MOVES) == len(ALL_PARCEL_PAIRS)
    assert len(ILLEGAL_COMPARTMENT_MOVES) + len(DESIGNED_COMPARTMENT_MOVES) == len(
        ALL_COMPARTMENT_PAIRS
    )


def test_a_refused_move_from_a_new_parcel_says_so() -> None:
    with pytest.raises(IllegalTransitionError, match=r"^a new parcel cannot become collected$"):
        next_parcel_state(NEW, P.COLLECTED)


@pytest.mark.parametrize("state", list(CompartmentState), ids=lambda s: s.value)
def test_staying_in_the_same_compartment_state_is_not_a_move(state: CompartmentState) -> None:
    with pytest.raises(IllegalTransitionError):
        next_compartment_state(state, state)


def test_every_parcel_inside_the_locker_is_also_live() -> None:
    assert ParcelState.inside() <= ParcelState.live()
    assert ParcelState.live() - ParcelState.inside() == {P.EXPECTED}


@pytest.mark.parametrize("state", [P.COLLECTED, P.RETURNED, P.CANCELLED], ids=lambda s: s.value)
def test_a_finished_parcel_is_not_live_and_has_no_way_out(state: ParcelState) -> None:
    assert state not in ParcelState.live()
    assert not [target for (current, target) in PARCEL_TRANSITIONS if current is state]


def test_only_fault_and_out_of_service_are_unusable() -> None:
    assert CompartmentState.unusable() == {C.FAULT, C.OUT_OF_SERVICE}
