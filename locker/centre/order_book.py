"""The rows behind carriers' orders: reading them, moving them, and sending their commands.

A row moves only by its state table (order_states.py), in an update conditional on the state
and the count of sends it was read with; a send claims the row the same way before it
publishes. So of two callers that read the same row, one moves or sends it and the other
finds it changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table, or_, select, update

from locker.centre.order_checks import OrderError
from locker.centre.order_sender import OrderSender
from locker.centre.order_states import (
    PREADVICE_MOVES,
    PREADVICE_UNANSWERED,
    RESERVATION_MOVES,
    RESERVATION_UNANSWERED,
    IllegalMoveError,
    PreadviceState,
    ReservationState,
    next_state,
)
from locker.centre.schema import PREADVICE_LIVE, lockers, order_commands, preadvices, reservations
from locker.centre.store import CentreStore
from locker.wire.commands import Scalar

log = logging.getLogger(__name__)

REASON_OFFLINE = "locker offline"
REASON_UNSENT = "not sent yet"
REASON_WAITING = "waiting for the locker"
# An unanswered order goes again after a minute, then after twice as long each time, up to an
# hour; a locker coming online has it at once.
RESEND_AFTER_S = 60.0
MAX_RESEND_S = 3600.0
RESEND_BATCH = 500
# A row another caller keeps changing is read again this many times before giving up.
MOVE_TRIES = 5


def iso(seconds: float) -> str:
    """A time for the API: ISO 8601 in UTC, to the second."""
    return datetime.fromtimestamp(float(seconds), UTC).isoformat(timespec="seconds")


def preadvice_args(row: Any, action: str) -> dict[str, Scalar]:
    """The command's arguments for a pre-advice row (the contract with the locker)."""
    if action == "withdraw_preadvice":
        return {"carrier": row.carrier, "tracking": row.tracking}
    args: dict[str, Scalar] = {
        "carrier": row.carrier,
        "tracking": row.tracking,
        "phone": row.phone,
        "size": row.size,
        "low_door": bool(row.low_door),
        "expected_at": int(row.expected_at),
    }
    if row.language:
        args["language"] = row.language
    return args


def reservation_args(row: Any, action: str) -> dict[str, Scalar]:
    """The command's arguments for a reservation row."""
    if action == "release_hold":
        return {"hold": row.id}
    return {
        "hold": row.id,
        "carrier": row.carrier,
        "size": row.size,
        "count": int(row.count),
        "expires_at": int(row.expires_at),
    }


@dataclass(frozen=True)
class OrderKind:
    """Pre-advice or reservation: its table, states, moves and commands."""

    name: str
    table: Table
    states: type[Enum]
    moves: Mapping[tuple[Any, str], Any]
    unanswered: Mapping[Any, str]
    args: Callable[[Any, str], dict[str, Scalar]]

    def step(self, state: str, event: str) -> str | None:
        """The state `event` moves `state` to, or None when the table has no such move."""
        try:
            return str(next_state(self.moves, self.states(state), event).value)
        except IllegalMoveError:
            return None

    def action(self, state: str) -> str | None:
        """The command still unanswered in this state, if any."""
        return self.unanswered.get(self.states(state))

    def key(self, order_id: str | int) -> object:
        """The row's id as its table holds it."""
        return int(order_id) if self.name == "preadvice" else str(order_id)


PREADVICE = OrderKind(
    "preadvice",
    preadvices,
    PreadviceState,
    PREADVICE_MOVES,
    PREADVICE_UNANSWERED,
    preadvice_args,
)
RESERVATION = OrderKind(
    "reservation",
    reservations,
    ReservationState,
    RESERVATION_MOVES,
    RESERVATION_UNANSWERED,
    reservation_args,
)
KINDS = {kind.name: kind for kind in (PREADVICE, RESERVATION)}


def _never_left(row: Any) -> bool:
    """No command for it reached the broker: the locker cannot have it."""
    return row.nonce is None or (row.sent_at is None and bool(row.unsent))


class OrderBook:
    """Reads, moves and sends the orders' rows."""

    def __init__(self, store: CentreStore, sender: OrderSender, clock: Callable[[], float]) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock

    # Reading -----------------------------------------------------------------------------

    def known_locker(self, locker_id: str) -> bool:
        """Whether the locker is online; OrderError 404 for a locker the centre never heard of."""
        with self._store.engine.connect() as connection:
            online = connection.execute(
                select(lockers.c.online).where(lockers.c.locker_id == locker_id)
            ).first()
        if online is None:
            raise OrderError("locker.unknown", 404, "no such locker", locker=locker_id)
        return bool(online.online)

    def row(self, kind: OrderKind, order_id: str | int) -> Any:
        """The order's row, or None."""
        table = kind.table
        with self._store.engine.connect() as connection:
            return connection.execute(select(table).where(table.c.id == kind.key(order_id))).first()

    def live_preadvice(self, carrier: str, tracking: str) -> Any:
        """The carrier's pre-advice of this parcel that the locker has or may get, or None."""
        with self._store.engine.connect() as connection:
            return connection.execute(
                select(preadvices).where(
                    preadvices.c.carrier == carrier,
                    preadvices.c.tracking == tracking,
                    preadvices.c.state.in_(PREADVICE_LIVE),
                )
            ).first()

    def preadvised(self, parcels: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those of the (carrier, tracking) pairs with a live pre-advice: one query for a batch
        of records, most of which name parcels nobody pre-advised."""
        if not parcels:
            return set()
        trackings = sorted({tracking for _, tracking in parcels})
        with self._store.engine.connect() as connection:
            found = connection.execute(
                select(preadvices.c.carrier, preadvices.c.tracking).where(
                    preadvices.c.tracking.in_(trackings),
                    preadvices.c.state.in_(PREADVICE_LIVE),
                )
            ).all()
        return {(carrier, tracking) for carrier, tracking in found} & parcels

    def latest_preadvice(self, carrier: str, tracking: str) -> Any:
        """The carrier's last pre-advice of this parcel, whatever its state, or None."""
        with self._store.engine.connect() as connection:
            return connection.execute(
                select(preadvices)
                .where(preadvices.c.carrier == carrier, preadvices.c.tracking == tracking)
                .order_by(preadvices.c.id.desc())
                .limit(1)
            ).first()

    def standing(self, kind: OrderKind, row: Any) -> dict[str, Any]:
        """Why an order is still waiting, the locker's refusal, and its times."""
        shown: dict[str, Any] = {}
        if kind.action(row.state) is not None:
            shown["reason"] = self._reason(row)
        if row.code:
            shown["code"] = row.code
        if row.detail:
            shown["detail"] = row.detail
        shown.update(created_at=iso(row.created_at), updated_at=iso(row.updated_at))
        return shown

    def _reason(self, row: Any) -> str:
        with self._store.engine.connect() as connection:
            online = connection.execute(
                select(lockers.c.online).where(lockers.c.locker_id == row.locker_id)
            ).scalar()
        if not online:
            return REASON_OFFLINE
        if row.nonce is None or row.unsent:
            return REASON_UNSENT
        return REASON_WAITING

    # Moving ------------------------------------------------------------------------------

    def move(self, kind: OrderKind, row: Any, event: str, **values: Any) -> bool:
        """Move the row as read, if nobody changed it since; False when the table forbids it
        or somebody did."""
        to = kind.step(row.state, event)
        if to is None:
            return False
        table = kind.table
        with self._store.engine.begin() as connection:
            moved = connection.execute(
                update(table)
                .where(
                    table.c.id == row.id,
                    table.c.state == row.state,
                    table.c.attempts == row.attempts,
                )
                .values(state=to, attempts=0, updated_at=self._clock(), **values)
            ).rowcount
        return bool(moved == 1)

    def apply(self, kind: OrderKind, order_id: str | int, event: str, **values: Any) -> Any:
        """Move the order on `event` from whatever state it is in now; its new row, or None
        when the table has no such move from there."""
        for _ in range(MOVE_TRIES):
            row = self.row(kind, order_id)
            if row is None or kind.step(row.state, event) is None:
                return None
            if self.move(kind, row, event, **values):
                return self.row(kind, order_id)
        log.warning("%s %s kept changing; %s not applied", kind.name, order_id, event)
        return None

    def withdraw(self, row: Any, code: str | None, detail: str | None) -> Any:
        """Take a pending or confirmed pre-advice back: at once if it never left, else by
        `withdraw_preadvice` to its locker. The row as it is now."""
        return self._take_back(PREADVICE, row, "withdraw", code=code, detail=detail)

    def cancel(self, row: Any) -> Any:
        """End a pending or confirmed reservation: at once if it never left, else by
        `release_hold`. The row as it is now."""
        return self._take_back(RESERVATION, row, "cancel")

    def _take_back(self, kind: OrderKind, row: Any, event: str, **values: Any) -> Any:
        for _ in range(MOVE_TRIES):
            # Never signed, or its command never reached the broker: nothing is on the locker.
            unsent = kind.states(row.state).value == "pending" and _never_left(row)
            if self.move(kind, row, f"{event}.unsent" if unsent else event, **values):
                break
            row = self.row(kind, row.id)
            if kind.step(row.state, event) is None:
                return row
        row = self.row(kind, row.id)
        if kind.action(row.state) is not None and self._online(row.locker_id):
            self.send(kind, row)
            row = self.row(kind, row.id)
        return row

    # Sending -----------------------------------------------------------------------------

    def send(self, kind: OrderKind, row: Any) -> bool:
        """Sign the row's unanswered command afresh, claim the row for it, record the nonce,
        then publish; False when another caller claimed it first or it cannot leave."""
        action = kind.action(row.state)
        now = self._clock()
        if action is None or (kind is RESERVATION and row.expires_at <= now):
            return False
        signed = self._sender.sign(row.locker_id, action, kind.args(row, action), int(now))
        if signed is None:
            return False
        nonce, payload = signed
        table = kind.table
        with self._store.engine.begin() as connection:
            claimed = connection.execute(
                update(table)
                .where(
                    table.c.id == row.id,
                    table.c.state == row.state,
                    table.c.attempts == row.attempts,
                )
                .values(nonce=nonce, attempts=row.attempts + 1, signed_at=now, unsent=False)
            ).rowcount
            if claimed != 1:
                return False
            connection.execute(
                order_commands.insert().values(
                    nonce=nonce,
                    kind=kind.name,
                    order_id=str(row.id),
                    locker_id=row.locker_id,
                    action=action,
                    signed_at=now,
                )
            )
        # Recorded before it leaves: the locker's answer may come back before publish returns.
        sent = self._sender.publish(row.locker_id, payload)
        outcome = {"sent_at": now} if sent else {"unsent": True}
        with self._store.engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.id == row.id, table.c.nonce == nonce).values(**outcome)
            )
        if not sent:
            log.info("%s for %s not sent: no broker connection", action, row.locker_id)
        return sent

    def send_unanswered(self, locker_id: str) -> int:
        """Send every order the locker has not answered; how many left."""
        sent = 0
        for kind in (PREADVICE, RESERVATION):
            table = kind.table
            with self._store.engine.connect() as connection:
                rows = connection.execute(
                    select(table)
                    .where(
                        table.c.locker_id == locker_id,
                        table.c.state.in_([s.value for s in kind.unanswered]),
                    )
                    .order_by(table.c.created_at)
                ).all()
            sent += sum(self.send(kind, row) for row in rows)
        return sent

    def resend_due(self) -> int:
        """Send again the unanswered orders of online lockers whose wait is over; how many."""
        now = self._clock()
        sent = 0
        for kind in (PREADVICE, RESERVATION):
            table = kind.table
            with self._store.engine.connect() as connection:
                rows = connection.execute(
                    select(table)
                    .join(lockers, lockers.c.locker_id == table.c.locker_id)
                    .where(
                        lockers.c.online.is_(True),
                        table.c.state.in_([s.value for s in kind.unanswered]),
                        or_(table.c.signed_at.is_(None), table.c.signed_at <= now - RESEND_AFTER_S),
                    )
                    .order_by(table.c.signed_at)
                    .limit(RESEND_BATCH)
                ).all()
            for row in rows:
                wait = min(RESEND_AFTER_S * 2 ** min(max(row.attempts - 1, 0), 10), MAX_RESEND_S)
                if row.signed_at is None or now - row.signed_at >= wait:
                    sent += self.send(kind, row)
        return sent

    def _online(self, locker_id: str) -> bool:
        with self._store.engine.connect() as connection:
            return bool(
                connection.execute(
                    select(lockers.c.online).where(lockers.c.locker_id == locker_id)
                ).scalar()
            )
