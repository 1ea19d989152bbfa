"""Carriers' pre-advice and reservations at the centre: recorded, sent, and moved by the lockers.

The locker is the truth for its doors. An order is recorded `pending` and signed to its locker
(at once when the locker is online, else when its status turns `online`); it is `confirmed`
only when the locker answers `done`. An unanswered order is re-signed with a new nonce and sent
again (commands live 120 s), which the locker takes once by the parcel's carrier and tracking
or the hold's id. Every change is a conditional update on the row's state and its count of
sends, so concurrent calls and centre processes make one row and one send per change.

Each function returns a plain dict for the API, and raises OrderError with a stable code and an
HTTP status. A carrier sees only its own orders: another carrier's is "unknown", as nothing is.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from locker.centre import order_checks as checks
from locker.centre.order_book import KINDS, PREADVICE, RESERVATION, OrderBook, iso
from locker.centre.order_checks import OrderError
from locker.centre.order_sender import OrderSender
from locker.centre.order_states import (
    PREADVICE_ENDED,
    RESERVATION_MOVES,
    PreadviceState,
    ReservationState,
    sources,
)
from locker.centre.parcel_history import DEPOSITED_STATES, moment, parcel_history
from locker.centre.schema import order_commands, preadvices, reservations
from locker.centre.store import CentreStore
from locker.domain.audit_chain import AuditRecord
from locker.domain.phone import mask_phones_in

__all__ = ["CarrierOrders", "OrderError"]

P = PreadviceState
R = ReservationState
# The locker refuses a pre-advice (or its withdrawal) for a parcel it already holds.
ALREADY_DEPOSITED = "preadvice.already_deposited"
DEPOSITED_ELSEWHERE = "preadvice.deposited_elsewhere"
# Refusals of one envelope rather than of the order (a duplicate delivery, a command late or
# early, a fault on the locker while running it): the order stays as it is, and goes again
# while unanswered.
ENVELOPE_CODES = frozenset({"replayed", "expired", "from_the_future", "failed"})
MAX_CODE = 64
MAX_DETAIL = 300
# The records of the locker that move a pre-advice, and how.
RECORD_EVENTS = {
    "parcel.expected": "record.expected",
    "parcel.deposited": "record.deposited",
    "parcel.shut_in": "record.deposited",
    "parcel.cancelled": "record.gone",
    "parcel.withdrawn": "record.gone",
}
# A record older than its pre-advice (by more than the clocks may differ) is from an earlier
# life of the same tracking number.
RECORD_SKEW_S = 300.0
# Shown for a pre-advice: the row's state, unless the parcel's own records say more.
PARCEL_STATE_OF_PREADVICE = {
    P.PENDING: "pending",
    P.CONFIRMED: "expected",
    P.REFUSED: "refused",
    P.WITHDRAWING: "withdrawing",
    P.WITHDRAWN: "withdrawn",
    P.DEPOSITED: "deposited",
}
DAY_S = 24 * 3600


class CarrierOrders:
    """The functions the carrier API calls, and the hooks the intake and command link call.

    The API's arguments may be any decoded JSON value: each is checked here, and a wrong one
    raises OrderError 422 `invalid.<field>` before anything is stored or sent.
    """

    def __init__(
        self,
        store: CentreStore,
        sender: OrderSender,
        clock: Callable[[], float] = time.time,
        retention_days: float = 30.0,
    ) -> None:
        self._store = store
        self._book = OrderBook(store, sender, clock)
        self._clock = clock
        self._retention_s = retention_days * DAY_S

    # The carrier API ---------------------------------------------------------------------

    def preadvise(
        self,
        carrier: object,
        tracking: object,
        locker_id: object,
        phone: object,
        size: object,
        low_door: object,
        language: object,
        expected_at: object,
    ) -> dict[str, Any]:
        """Announce a parcel to its locker; `pending` until the locker confirms it.

        The same pre-advice again answers the first one; another one for a parcel with a live
        pre-advice is a 409 `preadvice.exists`, and for a deposited parcel a 409
        `parcel.already_deposited` with its `state`.
        """
        now = self._clock()
        carrier, tracking = checks.carrier(carrier), checks.tracking(tracking)
        locker_id = checks.name(locker_id, "locker")
        wanted = {
            "carrier": carrier,
            "tracking": tracking,
            "locker_id": locker_id,
            "phone": checks.phone(phone),
            "size": checks.size(size),
            "low_door": checks.flag(low_door, "low_door"),
            "language": checks.language(language),
            "expected_at": checks.expected_at(expected_at, now),
        }
        online = self._book.known_locker(locker_id)
        live = self._book.live_preadvice(carrier, tracking)
        if live is None:
            self._refuse_if_deposited(carrier, tracking)
            try:
                with self._store.engine.begin() as connection:
                    row_id = connection.execute(
                        preadvices.insert().values(
                            **wanted,
                            state=P.PENDING.value,
                            attempts=0,
                            unsent=False,
                            created_at=now,
                            updated_at=now,
                        )
                    ).inserted_primary_key
            except IntegrityError:
                # The same parcel, announced at this moment by another call: that one leads.
                live = self._book.live_preadvice(carrier, tracking)
            else:
                assert row_id is not None
                if online:
                    self._book.send(PREADVICE, self._book.row(PREADVICE, row_id[0]))
                return self._preadvice_view(self._book.row(PREADVICE, row_id[0]))
        if live is None:
            raise OrderError("preadvice.busy", 409, "the pre-advice is changing; try again")
        same = all(live._mapping[key] == value for key, value in wanted.items())
        if not same or live.state == P.WITHDRAWING.value:
            raise OrderError(
                "preadvice.exists",
                409,
                "this parcel is pre-advised already: withdraw it first",
                state=live.state,
                locker=live.locker_id,
            )
        return self._preadvice_view(live)

    def withdraw(self, carrier: object, tracking: object) -> dict[str, Any]:
        """Take back a pre-advice; `withdrawing` until the locker confirms, unless it never left."""
        carrier, tracking = checks.carrier(carrier), checks.tracking(tracking)
        row = self._book.latest_preadvice(carrier, tracking)
        if row is None:
            self._refuse_if_deposited(carrier, tracking)
            raise OrderError("parcel.unknown", 404, "no such parcel")
        state = P(row.state)
        if state is P.DEPOSITED:
            self._refuse_if_deposited(carrier, tracking)
            raise self._already_deposited("deposited", row.locker_id)
        if state is P.REFUSED:
            raise OrderError(
                "preadvice.refused", 409, "the locker refused this pre-advice", state=row.state
            )
        if state in (P.PENDING, P.CONFIRMED):
            row = self._book.withdraw(row, code=None, detail=None)
        return self._preadvice_view(row)

    def parcel_status(self, carrier: object, tracking: object) -> dict[str, Any]:
        """The parcel's state, locker, door, times and history: its pre-advice and its records."""
        carrier, tracking = checks.carrier(carrier), checks.tracking(tracking)
        row = self._book.latest_preadvice(carrier, tracking)
        history = parcel_history(self._store, carrier, tracking)
        if row is None and not history.entries:
            raise OrderError("parcel.unknown", 404, "no such parcel")
        recorded, last = history.state(), history.last()
        answer: dict[str, Any] = {"carrier": carrier, "tracking": tracking}
        if (
            row is None
            or recorded in DEPOSITED_STATES
            or (row.state == P.DEPOSITED.value and recorded is not None)
        ):
            assert last is not None
            # Known only from an event that changes no state (a door too small): that event.
            answer.update(state=recorded or last.event, locker=last.locker_id)
        else:
            answer.update(state=PARCEL_STATE_OF_PREADVICE[P(row.state)], locker=row.locker_id)
        preadvice = self._preadvice_view(row) if row is not None else None
        if preadvice is not None and answer["state"] == PARCEL_STATE_OF_PREADVICE[P(row.state)]:
            answer.update({k: preadvice[k] for k in ("reason", "code", "detail") if k in preadvice})
        answer.update(
            door=history.door(),
            times=history.times(),
            history=[entry.shown() for entry in history.entries],
            preadvice=preadvice,
        )
        return answer

    def reserve(
        self, carrier: object, locker_id: object, size: object, count: object, ttl_seconds: object
    ) -> dict[str, Any]:
        """Hold `count` doors of `size` for the carrier's couriers for `ttl_seconds` (at most
        24 h); `pending` until the locker holds them."""
        now = self._clock()
        row_id = secrets.token_urlsafe(16)
        locker_id = checks.name(locker_id, "locker")
        values = {
            "id": row_id,
            "carrier": checks.carrier(carrier),
            "locker_id": locker_id,
            "size": checks.size(size),
            "count": checks.whole(count, "count", 1, checks.MAX_HOLD_COUNT),
            "expires_at": int(now)
            + checks.whole(ttl_seconds, "ttl_seconds", checks.MIN_TTL_S, checks.MAX_TTL_S),
        }
        online = self._book.known_locker(locker_id)
        with self._store.engine.begin() as connection:
            connection.execute(
                reservations.insert().values(
                    **values,
                    state=R.PENDING.value,
                    attempts=0,
                    unsent=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        if online:
            self._book.send(RESERVATION, self._book.row(RESERVATION, row_id))
        return self._reservation_view(self._book.row(RESERVATION, row_id))

    def reservation(self, carrier: object, reservation_id: object) -> dict[str, Any]:
        """One of the carrier's reservations."""
        return self._reservation_view(self._own_reservation(carrier, reservation_id))

    def cancel_reservation(self, carrier: object, reservation_id: object) -> dict[str, Any]:
        """End a hold before its time; `cancelling` until the locker lets the doors go."""
        row = self._own_reservation(carrier, reservation_id)
        if R(row.state) in (R.PENDING, R.CONFIRMED):
            row = self._book.cancel(row)
        return self._reservation_view(row)

    # The hooks ---------------------------------------------------------------------------

    def result(self, locker_id: str, result: Mapping[str, Any]) -> bool:
        """A locker's answer on `cmd/result`; False when its nonce is none of the orders'.

        `done` confirms (or ends) the order; `refused` refuses it with the locker's code and
        detail, unless the refusal was of the envelope alone (`ENVELOPE_CODES`).
        """
        nonce, status = result.get("nonce"), result.get("status")
        if not isinstance(nonce, str):
            return False
        with self._store.engine.connect() as connection:
            command = connection.execute(
                select(order_commands).where(order_commands.c.nonce == nonce)
            ).first()
        if command is None or command.locker_id != locker_id:
            return False
        if status not in ("done", "refused"):
            return True
        kind = KINDS[command.kind]
        code = str(result.get("code") or "refused")[:MAX_CODE] if status == "refused" else None
        if code in ENVELOPE_CODES:
            return True
        # A withdrawal too late: the parcel is in the locker.
        late = code == ALREADY_DEPOSITED and command.action == "withdraw_preadvice"
        verdict = "deposited" if late else status
        refusal = {}
        if status == "refused":
            detail = result.get("detail")
            refusal = {
                "code": code,
                "detail": mask_phones_in(str(detail))[:MAX_DETAIL] if detail else None,
            }
        # A done keeps the code the order moved with (an automatic withdrawal's, say).
        self._book.apply(kind, command.order_id, f"{command.action}.{verdict}", **refusal)
        return True

    def locker_online(self, locker_id: str) -> int:
        """The locker's status turned `online`: every order it has not answered goes again."""
        return self._book.send_unanswered(locker_id)

    def resend_due(self) -> int:
        """Send again what online lockers have not answered for a while (backing off)."""
        return self._book.resend_due()

    def expire(self) -> int:
        """Reservations past their time end; the lockers end the holds by themselves."""
        now = self._clock()
        with self._store.engine.connect() as connection:
            due = (
                connection.execute(
                    select(reservations.c.id).where(
                        reservations.c.state.in_(sources(RESERVATION_MOVES, "expire")),
                        reservations.c.expires_at <= now,
                    )
                )
                .scalars()
                .all()
            )
        return sum(self._book.apply(RESERVATION, row_id, "expire") is not None for row_id in due)

    def on_records(self, records: Sequence[tuple[str, AuditRecord]]) -> int:
        """Records the centre stored: a pre-advised parcel expected, deposited or let go at its
        locker moves its pre-advice; one deposited at another locker withdraws the first
        pre-advice by itself. How many pre-advices moved."""
        moved = 0
        moving = [
            (locker_id, record, RECORD_EVENTS[record.action], record.details["carrier"])
            for locker_id, record in records
            if record.action in RECORD_EVENTS and isinstance(record.details.get("carrier"), str)
        ]
        preadvised = self._book.preadvised({(c, r.subject) for _, r, _, c in moving})
        for locker_id, record, event, carrier in moving:
            if (carrier, record.subject) not in preadvised:
                continue
            row = self._book.live_preadvice(carrier, record.subject)
            if row is None:
                continue
            if row.locker_id != locker_id:
                if event == "record.deposited" and row.state != P.WITHDRAWING.value:
                    self._book.withdraw(
                        row, code=DEPOSITED_ELSEWHERE, detail=f"deposited at {locker_id}"
                    )
                    moved += 1
                continue
            at = moment(record.at)
            older = at is not None and at < row.created_at - RECORD_SKEW_S
            if older and event != "record.deposited":
                continue
            moved += self._book.apply(PREADVICE, row.id, event) is not None
        return moved

    def purge_phones(self) -> int:
        """Blank the phone of pre-advices ended longer ago than the retention; how many."""
        cutoff = self._clock() - self._retention_s
        with self._store.engine.begin() as connection:
            return connection.execute(
                update(preadvices)
                .where(
                    preadvices.c.phone.is_not(None),
                    preadvices.c.updated_at < cutoff,
                    or_(
                        preadvices.c.state.in_([s.value for s in PREADVICE_ENDED]),
                        preadvices.c.expected_at < cutoff,
                    ),
                )
                .values(phone=None)
            ).rowcount

    # Reading -----------------------------------------------------------------------------

    def _refuse_if_deposited(self, carrier: str, tracking: str) -> None:
        """A 409 with its state when the parcel is in a locker already, or has been."""
        history = parcel_history(self._store, carrier, tracking)
        recorded, last = history.state(), history.last()
        if recorded in DEPOSITED_STATES and last is not None:
            raise self._already_deposited(recorded, last.locker_id)
        latest = self._book.latest_preadvice(carrier, tracking)
        if latest is None or latest.code != ALREADY_DEPOSITED:
            return
        # The locker said so before its records reached the centre.
        if last is None or (moment(last.at) or 0) < latest.updated_at:
            raise self._already_deposited("deposited", latest.locker_id)

    @staticmethod
    def _already_deposited(state: str, locker_id: str) -> OrderError:
        return OrderError(
            "parcel.already_deposited",
            409,
            f"the parcel is {state} at {locker_id} already",
            state=state,
            locker=locker_id,
        )

    def _own_reservation(self, carrier: object, reservation_id: object) -> Any:
        carrier = checks.carrier(carrier)
        wanted = checks.reservation_id(reservation_id)
        row = self._book.row(RESERVATION, wanted) if wanted is not None else None
        if row is None or row.carrier != carrier:
            raise OrderError("reservation.unknown", 404, "no such reservation")
        return row

    def _preadvice_view(self, row: Any) -> dict[str, Any]:
        view = {
            "carrier": row.carrier,
            "tracking": row.tracking,
            "locker": row.locker_id,
            "phone": checks.mask(row.phone),
            "size": row.size,
            "low_door": bool(row.low_door),
            "language": row.language,
            "expected_at": iso(row.expected_at),
            "state": row.state,
        }
        return {**view, **self._book.standing(PREADVICE, row)}

    def _reservation_view(self, row: Any) -> dict[str, Any]:
        view = {
            "id": row.id,
            "carrier": row.carrier,
            "locker": row.locker_id,
            "size": row.size,
            "count": int(row.count),
            "expires_at": iso(row.expires_at),
            "state": row.state,
        }
        return {**view, **self._book.standing(RESERVATION, row)}
