"""The states of a carrier's pre-advice and reservation at the centre, and their one table of moves.

The locker is the truth: an order is `confirmed` only when the locker answered `done`. Every
move is one row below, applied by `next_state`, which refuses any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar


class PreadviceState(Enum):
    """Where the centre's pre-advice of one parcel stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    WITHDRAWING = "withdrawing"
    WITHDRAWN = "withdrawn"
    DEPOSITED = "deposited"


class ReservationState(Enum):
    """Where a carrier's hold on a locker's doors stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = TypeVar("S", PreadviceState, ReservationState)
P = PreadviceState
R = ReservationState

# States whose command the locker has not answered yet: re-signed and sent again.
PREADVICE_UNANSWERED = {P.PENDING: "preadvise", P.WITHDRAWING: "withdraw_preadvice"}
RESERVATION_UNANSWERED = {R.PENDING: "hold", R.CANCELLING: "release_hold"}
# States past which the phone number is no longer needed.
PREADVICE_ENDED = frozenset({P.REFUSED, P.WITHDRAWN, P.DEPOSITED})

# (state, what happened) -> the next state. What happened is `{action}.{done|refused}` for a
# locker's answer, or a word for the centre's own moves and the records it reads.
PREADVICE_MOVES: dict[tuple[PreadviceState, str], PreadviceState] = {
    (P.PENDING, "preadvise.done"): P.CONFIRMED,
    (P.PENDING, "preadvise.refused"): P.REFUSED,
    # The locker's record proves it has the parcel even if its answer was lost.
    (P.PENDING, "record.expected"): P.CONFIRMED,
    # Never signed (or never left): nothing to take back from the locker.
    (P.PENDING, "withdraw.unsent"): P.WITHDRAWN,
    (P.PENDING, "withdraw"): P.WITHDRAWING,
    (P.CONFIRMED, "withdraw"): P.WITHDRAWING,
    (P.WITHDRAWING, "withdraw_preadvice.done"): P.WITHDRAWN,
    # The withdrawal was refused: the pre-advice stands, with the refusal's code.
    (P.WITHDRAWING, "withdraw_preadvice.refused"): P.CONFIRMED,
    (P.WITHDRAWING, "withdraw_preadvice.deposited"): P.DEPOSITED,
    (P.PENDING, "record.deposited"): P.DEPOSITED,
    (P.CONFIRMED, "record.deposited"): P.DEPOSITED,
    (P.WITHDRAWING, "record.deposited"): P.DEPOSITED,
    # The locker let it go by itself (its arrival plus `preadvice_days` passed).
    (P.PENDING, "record.gone"): P.WITHDRAWN,
    (P.CONFIRMED, "record.gone"): P.WITHDRAWN,
    (P.WITHDRAWING, "record.gone"): P.WITHDRAWN,
}

RESERVATION_MOVES: dict[tuple[ReservationState, str], ReservationState] = {
    (R.PENDING, "hold.done"): R.CONFIRMED,
    (R.PENDING, "hold.refused"): R.REFUSED,
    (R.PENDING, "cancel.unsent"): R.CANCELLED,
    (R.PENDING, "cancel"): R.CANCELLING,
    (R.CONFIRMED, "cancel"): R.CANCELLING,
    (R.CANCELLING, "release_hold.done"): R.CANCELLED,
    (R.CANCELLING, "release_hold.refused"): R.CONFIRMED,
    # The locker ends a hold at its expiry by itself.
    (R.PENDING, "expire"): R.EXPIRED,
    (R.CONFIRMED, "expire"): R.EXPIRED,
    (R.CANCELLING, "expire"): R.CANCELLED,
}


class IllegalMoveError(Exception):
    """No row of the table moves this state on this event."""


def next_state(moves: Mapping[tuple[S, str], S], state: S, event: str) -> S:
    """The state `event` moves `state` to, or IllegalMoveError."""
    found = moves.get((state, event))
    if found is None:
        raise IllegalMoveError(f"{event} does not move an order that is {state.value}")
    return found


def sources(moves: Mapping[tuple[S, str], S], event: str) -> list[str]:
    """Every state `event` moves from, for a conditional update."""
    return sorted(state.value for state, happened in moves if happened == event)
