"""Hands each waiting courier grant to its locker, and hears the locker's answer.

A grant is sent when the locker comes online and again, backing off, while it stays
unanswered; each send is a fresh `sync_courier` command signed by the centre's service key
around the admin's grant, which does not change. The locker holds a revision once: sending
it twice is harmless, and a late answer to an earlier send still counts.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import or_, select, update

from locker.centre.carrier_orders import ENVELOPE_CODES, MAX_CODE, MAX_DETAIL
from locker.centre.order_book import MAX_RESEND_S, RESEND_AFTER_S, RESEND_BATCH
from locker.centre.order_sender import OrderSender
from locker.centre.schema import courier_grants, grant_commands, lockers
from locker.centre.store import CentreStore
from locker.centre.upsert import insert_new

log = logging.getLogger(__name__)

ACTION = "sync_courier"


class CourierPusher:
    """Sends waiting grants to online lockers and marks them applied or refused."""

    def __init__(
        self, store: CentreStore, sender: OrderSender, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock

    def locker_online(self, locker_id: str) -> int:
        """The locker came back: every grant it has not answered goes now; how many."""
        return self._send_rows(self._waiting(locker_id=locker_id, due_only=False))

    def send_due(self) -> int:
        """Send the waiting grants of online lockers whose wait is over; how many."""
        return self._send_rows(self._waiting(locker_id=None, due_only=True))

    def result(self, locker_id: str, result: Mapping[str, Any]) -> bool:
        """A locker's answer on `cmd/result`; False when its nonce is no grant's."""
        nonce, status = result.get("nonce"), result.get("status")
        if not isinstance(nonce, str):
            return False
        with self._store.engine.connect() as connection:
            sent = connection.execute(
                select(grant_commands).where(grant_commands.c.nonce == nonce)
            ).first()
        if sent is None or sent.locker_id != locker_id:
            return False
        code = str(result.get("code") or "refused")[:MAX_CODE]
        if status not in ("done", "refused") or (status == "refused" and code in ENVELOPE_CODES):
            # Only the envelope was refused (it lapsed, say): the grant goes again.
            return True
        values: dict[str, Any] = {"answered_at": self._clock()}
        if status == "done":
            values.update(state="applied", code=None, detail=None)
        else:
            detail = result.get("detail")
            values.update(
                state="refused", code=code, detail=str(detail)[:MAX_DETAIL] if detail else None
            )
            log.warning("%s refused courier %s: %s", locker_id, sent.courier_id, code)
        with self._store.engine.begin() as connection:
            # An answer about an earlier revision says nothing of the current one.
            connection.execute(
                update(courier_grants)
                .where(
                    courier_grants.c.courier_id == sent.courier_id,
                    courier_grants.c.locker_id == locker_id,
                    courier_grants.c.revision == sent.revision,
                    courier_grants.c.state == "waiting",
                )
                .values(**values)
            )
        return True

    def _waiting(self, locker_id: str | None, due_only: bool) -> list[Any]:
        now = self._clock()
        query = (
            select(courier_grants)
            .join(lockers, lockers.c.locker_id == courier_grants.c.locker_id)
            .where(courier_grants.c.state == "waiting", lockers.c.online.is_(True))
            .order_by(courier_grants.c.signed_at.nulls_first())
            .limit(RESEND_BATCH)
        )
        if locker_id is not None:
            query = query.where(courier_grants.c.locker_id == locker_id)
        if due_only:
            query = query.where(
                or_(
                    courier_grants.c.signed_at.is_(None),
                    courier_grants.c.signed_at <= now - RESEND_AFTER_S,
                )
            )
        with self._store.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not due_only:
            return list(rows)
        return [row for row in rows if row.signed_at is None or now - row.signed_at >= _wait(row)]

    def _send_rows(self, rows: list[Any]) -> int:
        return sum(self._send(row) for row in rows)

    def _send(self, row: Any) -> bool:
        """Sign a fresh envelope, claim the row for it and record its nonce, then publish."""
        now = self._clock()
        signed = self._sender.sign(row.locker_id, ACTION, json.loads(row.args), int(now))
        if signed is None:
            return False
        nonce, payload = signed
        with self._store.engine.begin() as connection:
            claimed = connection.execute(
                update(courier_grants)
                .where(
                    courier_grants.c.courier_id == row.courier_id,
                    courier_grants.c.locker_id == row.locker_id,
                    courier_grants.c.revision == row.revision,
                    courier_grants.c.attempts == row.attempts,
                    courier_grants.c.state == "waiting",
                )
                .values(nonce=nonce, attempts=row.attempts + 1, signed_at=now)
            ).rowcount
            if claimed != 1:
                # Another centre worker sent it a moment ago, or it was answered.
                return False
            insert_new(
                connection,
                grant_commands,
                [
                    {
                        "nonce": nonce,
                        "courier_id": row.courier_id,
                        "locker_id": row.locker_id,
                        "revision": row.revision,
                        "signed_at": now,
                    }
                ],
            )
        # Recorded before it leaves: the locker's answer may come back before publish returns.
        sent = self._sender.publish(row.locker_id, payload)
        if sent:
            with self._store.engine.begin() as connection:
                connection.execute(
                    update(courier_grants)
                    .where(
                        courier_grants.c.courier_id == row.courier_id,
                        courier_grants.c.locker_id == row.locker_id,
                        courier_grants.c.nonce == nonce,
                    )
                    .values(sent_at=now)
                )
        return sent


def _wait(row: Any) -> float:
    return float(min(RESEND_AFTER_S * 2 ** min(max(row.attempts - 1, 0), 10), MAX_RESEND_S))
