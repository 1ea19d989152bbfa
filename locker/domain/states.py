"""Parcel and compartment states, each with one transition table and one function to apply it."""

from __future__ import annotations

from enum import Enum

from locker.domain.errors import DomainRefusal, IllegalTransitionError


class ParcelState(Enum):
    """Where a parcel is in its life."""

    EXPECTED = "expected"
    DEPOSITED = "deposited"
    COLLECTED = "collected"
    EXPIRED = "expired"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"

    @classmethod
    def live(cls) -> frozenset[ParcelState]:
        """States in which the parcel is still inside the locker (or on its way in)."""
        return frozenset({cls.EXPECTED, cls.DEPOSITED, cls.EXPIRED, cls.DISPUTED})

    @classmethod
    def inside(cls) -> frozenset[ParcelState]:
        """States in which the parcel physically occupies its compartment."""
        return frozenset({cls.DEPOSITED, cls.EXPIRED, cls.DISPUTED})


class CompartmentState(Enum):
    """What a compartment is doing right now."""

    FREE = "free"
    RESERVED = "reserved"
    OPEN = "open"
    OCCUPIED = "occupied"
    FAULT = "fault"
    OUT_OF_SERVICE = "out_of_service"

    @classmethod
    def unusable(cls) -> frozenset[CompartmentState]:
        """States in which nothing may be allocated to or opened in the compartment by users."""
        return frozenset({cls.FAULT, cls.OUT_OF_SERVICE})


# None stands for "no state yet": the parcel record is being created.
NEW = None

P = ParcelState
PARCEL_TRANSITIONS: dict[tuple[ParcelState | None, ParcelState], str] = {
    (NEW, P.EXPECTED): "a carrier pre-announces it",
    (NEW, P.DEPOSITED): "a courier puts it in",
    (P.EXPECTED, P.DEPOSITED): "a courier puts it in",
    (P.DEPOSITED, P.COLLECTED): "the recipient's code, with a confirmed unlock",
    (P.DEPOSITED, P.EXPIRED): "the pickup window ends",
    (P.EXPIRED, P.RETURNED): "the courier takes it back",
    (P.DEPOSITED, P.CANCELLED): "the courier undoes a wrong deposit",
    (P.EXPECTED, P.CANCELLED): "the carrier withdraws the announcement",
    (P.DEPOSITED, P.DISPUTED): "a reported problem",
    (P.DISPUTED, P.COLLECTED): "an admin resolves the dispute as collected",
    (P.DISPUTED, P.RETURNED): "an admin resolves the dispute as returned",
}

C = CompartmentState
_COMPARTMENT_ROWS: dict[tuple[CompartmentState, CompartmentState], str] = {
    (C.FREE, C.RESERVED): "allocated",
    (C.RESERVED, C.FREE): "released or timed out",
    (C.RESERVED, C.OPEN): "unlocked for the deposit",
    (C.OPEN, C.OCCUPIED): "closed with a parcel inside",
    (C.OPEN, C.FREE): "closed empty",
    (C.OCCUPIED, C.OPEN): "unlocked for pickup, retrieval or service",
}
# "any -> fault", "any but open -> out_of_service" and the way back by contents.
for _state in C:
    if _state is not C.FAULT:
        _COMPARTMENT_ROWS[(_state, C.FAULT)] = "unlock not confirmed, or a sensor disagrees"
    if _state not in (C.OPEN, C.OUT_OF_SERVICE):
        _COMPARTMENT_ROWS[(_state, C.OUT_OF_SERVICE)] = "an admin takes it out"
for _state in (C.FAULT, C.OUT_OF_SERVICE):
    _COMPARTMENT_ROWS[(_state, C.FREE)] = "an admin puts it back, empty"
    _COMPARTMENT_ROWS[(_state, C.OCCUPIED)] = "an admin puts it back, with a parcel inside"
COMPARTMENT_TRANSITIONS: dict[tuple[CompartmentState, CompartmentState], str] = _COMPARTMENT_ROWS


def next_parcel_state(current: ParcelState | None, target: ParcelState) -> ParcelState:
    """Return `target` when the parcel table allows the move, else raise IllegalTransitionError."""
    if (current, target) not in PARCEL_TRANSITIONS:
        origin = "a new parcel" if current is None else f"a parcel that is {current.value}"
        raise IllegalTransitionError(
            f"{origin} cannot become {target.value}",
            code=DomainRefusal.PARCEL_MOVE,
            state=current.value if current else None,
            target=target.value,
        )
    return target


def next_compartment_state(current: CompartmentState, target: CompartmentState) -> CompartmentState:
    """Return `target` when the compartment table allows the move, else raise."""
    if (current, target) not in COMPARTMENT_TRANSITIONS:
        raise IllegalTransitionError(
            f"a compartment that is {current.value} cannot become {target.value}",
            code=DomainRefusal.COMPARTMENT_MOVE,
            state=current.value,
            target=target.value,
        )
    return target
