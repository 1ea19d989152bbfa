"""Couriers added once at the centre and held by every locker an admin chose.

Each change is a new revision, and an admin signs each chosen locker's grant of it with their
own key (opened by their password for this one change): the centre's service key alone can
make no courier. The grants wait in `courier_grants` until each locker answers that it holds
the revision (`courier_pusher.py` sends them). The PIN is made here, shown once, and kept only
as its scrypt hash.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from locker.centre.carriers import CarrierError, check_carrier_name
from locker.centre.operators import OperatorSigner
from locker.centre.row_locks import lock_key
from locker.centre.schema import courier_grants, fleet_couriers, lockers
from locker.centre.store import CentreStore
from locker.domain import badge
from locker.domain.courier_ids import FIRST_FLEET_ID, LAST_FLEET_ID, is_fleet_id
from locker.domain.passwords import hash_secret
from locker.domain.pickup_code import random_digits
from locker.wire import fields
from locker.wire.courier_grants import GRANT_ROLE, CourierGrant, sign_grant
from locker.wire.errors import WireFormatError

# Eight digits: a fleet courier's PIN is sent to lockers as a hash, so it is longer than the
# locker's minimum of six, to make guessing it from a copied hash slow.
PIN_DIGITS = 8
MAX_NAME_CHARS = 64
MAX_LOCKERS = 100_000


class CourierError(Exception):
    """A courier change cannot be made; the message says why in one line."""


@dataclass(frozen=True)
class NewCourier:
    """A courier just added: the id and PIN shown once, and the lockers it goes to."""

    courier_id: int
    pin: str
    lockers: tuple[str, ...]


class CourierDesk:
    """Adds, disables and re-badges fleet couriers, each change signed by an admin."""

    def __init__(self, store: CentreStore, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def add(
        self, carrier: str, name: str, locker_ids: Sequence[str] | None, signer: OperatorSigner
    ) -> NewCourier:
        """A new active courier at the given lockers (None: every locker the centre knows)."""
        _admin(signer)
        carrier = _carrier(carrier)
        name = _name(name)
        targets = self._lockers(locker_ids)
        pin = random_digits(PIN_DIGITS)
        now = self._clock()
        row = {
            "carrier": carrier,
            "name": name,
            "pin_hash": hash_secret(pin),
            "badge_hash": "",
            "badge_issued_at": 0,
            "active": True,
            "revision": 1,
            "created_at": now,
            "updated_at": now,
            "updated_by": signer.certificate.subject,
        }
        with self._store.engine.begin() as connection:
            # Two admins adding at once take ids in turn, never the same one.
            lock_key(connection, "fleet_courier_ids")
            courier_id = _next_id(connection)
            connection.execute(fleet_couriers.insert().values(id=courier_id, **row))
            _grant(connection, {**row, "id": courier_id}, targets, signer, now)
        return NewCourier(courier_id, pin, targets)

    def disable(self, courier_id: int, signer: OperatorSigner) -> int:
        """Disable the courier at every locker that holds them; how many lockers."""
        return self._change(courier_id, signer, {"active": False})

    def new_badge(self, courier_id: int, signer: OperatorSigner) -> str:
        """A new badge for the courier at all their lockers (the old one stops); its QR text."""
        if not is_fleet_id(courier_id):
            raise CourierError(f"no fleet courier {courier_id}")
        issued = badge.issue_fleet(courier_id)
        self._change(
            courier_id,
            signer,
            {"badge_hash": issued.token_hash, "badge_issued_at": int(self._clock())},
            active_only=True,
        )
        return issued.text

    def extend(self, courier_id: int, locker_ids: Sequence[str], signer: OperatorSigner) -> int:
        """Give the courier's current revision to more lockers; how many new ones."""
        _admin(signer)
        targets = self._lockers(locker_ids)
        with self._store.engine.begin() as connection:
            row = _courier_row(connection, courier_id)
            held = set(_held_lockers(connection, courier_id))
            new = tuple(locker for locker in targets if locker not in held)
            _grant(connection, row._asdict(), new, signer, self._clock())
        return len(new)

    def couriers(self) -> list[dict[str, Any]]:
        """Every fleet courier with how many lockers hold, await or refused its revision."""
        with self._store.engine.connect() as connection:
            people = connection.execute(select(fleet_couriers).order_by(fleet_couriers.c.id)).all()
            counts = connection.execute(
                select(courier_grants.c.courier_id, courier_grants.c.state, func.count()).group_by(
                    courier_grants.c.courier_id, courier_grants.c.state
                )
            ).all()
        tally: dict[int, dict[str, int]] = {}
        for courier_id, state, count in counts:
            tally.setdefault(courier_id, {})[state] = count
        return [
            {
                "id": row.id,
                "carrier": row.carrier,
                "name": row.name,
                "active": row.active,
                "revision": row.revision,
                "badge": bool(row.badge_hash),
                "lockers": tally.get(row.id, {}),
            }
            for row in people
        ]

    def grants(self, courier_id: int) -> list[dict[str, Any]]:
        """Each locker's copy of the courier: its revision, state and any refusal."""
        with self._store.engine.connect() as connection:
            rows = connection.execute(
                select(courier_grants)
                .where(courier_grants.c.courier_id == courier_id)
                .order_by(courier_grants.c.locker_id)
            ).all()
        return [
            {
                "locker": row.locker_id,
                "revision": row.revision,
                "state": row.state,
                "code": row.code,
            }
            for row in rows
        ]

    def _change(
        self,
        courier_id: int,
        signer: OperatorSigner,
        values: dict[str, Any],
        active_only: bool = False,
    ) -> int:
        _admin(signer)
        now = self._clock()
        with self._store.engine.begin() as connection:
            row = _courier_row(connection, courier_id)
            if active_only and not row.active:
                raise CourierError(f"courier {courier_id} is disabled")
            changed = {
                **values,
                "revision": row.revision + 1,
                "updated_at": now,
                "updated_by": signer.certificate.subject,
            }
            connection.execute(
                update(fleet_couriers).where(fleet_couriers.c.id == courier_id).values(**changed)
            )
            held = _held_lockers(connection, courier_id)
            _grant(connection, {**row._asdict(), **changed}, held, signer, now)
        return len(held)

    def _lockers(self, locker_ids: Sequence[str] | None) -> tuple[str, ...]:
        with self._store.engine.connect() as connection:
            known = set(connection.execute(select(lockers.c.locker_id)).scalars())
        if locker_ids is None:
            if not known:
                raise CourierError("the centre knows no locker yet")
            return tuple(sorted(known))
        chosen = tuple(dict.fromkeys(locker_ids))
        if not chosen or len(chosen) > MAX_LOCKERS:
            raise CourierError(f"name 1 to {MAX_LOCKERS} lockers")
        unknown = [locker for locker in chosen if locker not in known]
        if unknown:
            raise CourierError(f"the centre knows no locker {unknown[0]}")
        return chosen


def _admin(signer: OperatorSigner) -> None:
    if signer.certificate.role != GRANT_ROLE:
        raise CourierError("only an admin operator may add or change couriers")


def _carrier(text: str) -> str:
    try:
        return check_carrier_name(text)
    except CarrierError as error:
        raise CourierError(str(error)) from None


def _name(text: str) -> str:
    try:
        return fields.text({"name": text.strip()}, "name", limit=MAX_NAME_CHARS)
    except WireFormatError:
        raise CourierError(
            f"a courier's name is 1 to {MAX_NAME_CHARS} printable characters"
        ) from None


def _next_id(connection: Connection) -> int:
    highest = connection.execute(select(func.max(fleet_couriers.c.id))).scalar()
    courier_id = FIRST_FLEET_ID if highest is None else int(highest) + 1
    if courier_id > LAST_FLEET_ID:
        raise CourierError("every fleet courier id is taken")
    return courier_id


def _courier_row(connection: Connection, courier_id: int) -> Any:
    """The courier's row, held until the transaction ends, so changes are made one at a time."""
    lock_key(connection, f"fleet_courier:{courier_id}")
    row = connection.execute(
        select(fleet_couriers).where(fleet_couriers.c.id == courier_id)
    ).first()
    if row is None:
        raise CourierError(f"no fleet courier {courier_id}")
    return row


def _held_lockers(connection: Connection, courier_id: int) -> tuple[str, ...]:
    """The lockers the courier has a grant for, whatever its state."""
    return tuple(
        connection.execute(
            select(courier_grants.c.locker_id).where(courier_grants.c.courier_id == courier_id)
        ).scalars()
    )


def _grant(
    connection: Connection,
    courier: dict[str, Any],
    locker_ids: Sequence[str],
    signer: OperatorSigner,
    now: float,
) -> None:
    """Sign the courier's revision for each locker and keep it waiting to be sent."""
    rows = []
    for locker_id in locker_ids:
        grant = CourierGrant(
            locker_id=locker_id,
            courier=courier["id"],
            carrier=courier["carrier"],
            name=courier["name"],
            pin_hash=courier["pin_hash"],
            badge_hash=courier["badge_hash"],
            badge_issued_at=int(courier["badge_issued_at"]),
            active=bool(courier["active"]),
            revision=int(courier["revision"]),
            signed_at=int(now),
            operator=signer.certificate.subject,
        )
        signed = sign_grant(grant, signer.certificate, signer.key)
        rows.append(
            {
                "courier_id": courier["id"],
                "locker_id": locker_id,
                "revision": grant.revision,
                "args": json.dumps(signed.to_args(), sort_keys=True, ensure_ascii=False),
                "state": "waiting",
            }
        )
    if not rows:
        return
    # A locker's earlier revision is replaced whole: a new grant, waiting, never tried.
    connection.execute(
        delete(courier_grants).where(
            courier_grants.c.courier_id == courier["id"],
            courier_grants.c.locker_id.in_(list(locker_ids)),
        )
    )
    connection.execute(courier_grants.insert(), rows)
