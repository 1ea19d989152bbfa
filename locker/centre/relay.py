"""The centre's notifier: recipients' messages relayed by fleet lockers, delivered, confirmed.

Each relayed message is stored first (once per message id), then a worker hands it to the
same channel adapters a locker uses. Once a provider has taken it, its text (with the code) is
erased and the locker is told by a `message_delivered` signed with the centre's service key;
a locker that relays it again (the confirmation was lost) is simply told again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select, update

from locker.centre.delivery_worker import DeliveryWorker, retry_wait_s
from locker.centre.schema import relayed_messages
from locker.centre.service_identity import ServiceIdentity
from locker.centre.store import CentreStore
from locker.centre.upsert import insert_new
from locker.message_channel import DeliveryError, MessageChannel
from locker.wire.errors import WireFormatError
from locker.wire.relayed_messages import relay_from_bytes
from locker.wire.topics import LockerTopics

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A message taken for a try is due again after this long if its process died while sending.
TAKE_S = 300.0


class MessageRelay(DeliveryWorker):
    """Keeps relayed messages and delivers them on a thread of its own."""

    thread_name = "centre-relay"
    failure_text = "relaying a message failed; trying again"

    def __init__(
        self,
        store: CentreStore,
        channels: Mapping[str, MessageChannel],
        identity: ServiceIdentity,
        publish: Callable[[str, bytes], bool],
        clock: Callable[[], float] = time.time,
        poll_s: float = 1.0,
    ) -> None:
        self._store = store
        self._channels = channels
        self._identity = identity
        self._publish = publish
        self._clock = clock
        super().__init__(poll_s)

    def received(self, locker_id: str, payload: bytes) -> None:
        """Keep a relayed message (from the ingest's thread); a repeat of a delivered one is
        confirmed again."""
        try:
            channel, message = relay_from_bytes(payload)
        except WireFormatError as error:
            log.warning("a malformed relayed message from %s: %s", locker_id, error)
            return
        now = self._clock()
        with self._store.engine.begin() as connection:
            insert_new(
                connection,
                relayed_messages,
                [
                    {
                        "message_id": message.message_id,
                        "locker_id": locker_id,
                        "channel": channel,
                        "payload": payload.decode(),
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "received_at": now,
                    }
                ],
            )
            row = connection.execute(
                select(relayed_messages).where(relayed_messages.c.message_id == message.message_id)
            ).one()
        if row.status == "delivered" and row.locker_id == locker_id:
            self._confirm(locker_id, row.message_id, float(row.delivered_at))
        self.wake()

    def deliver_next(self) -> bool:
        """Deliver the oldest due message; False when none is due."""
        row = self._take()
        if row is None:
            return False
        channel_name, message = relay_from_bytes(row.payload.encode())
        channel = self._channels.get(channel_name)
        try:
            if channel is None or not channel.reaches(message.recipient):
                raise DeliveryError(f"the centre has no {channel_name} channel for it", True)
            channel.send(message)
        except DeliveryError as error:
            self._failed(row, str(error), error.permanent)
            return True
        delivered = self._clock()
        with self._store.engine.begin() as connection:
            connection.execute(
                update(relayed_messages)
                .where(relayed_messages.c.message_id == row.message_id)
                .values(status="delivered", delivered_at=delivered, payload=None, last_error=None)
            )
        self._confirm(row.locker_id, row.message_id, delivered)
        return True

    def _take(self) -> Any:
        """The oldest due message, taken for this try: of two processes (or two workers of a
        PostgreSQL store) that read it, the update lets one through."""
        now = self._clock()
        due = (relayed_messages.c.status == "pending", relayed_messages.c.next_attempt_at <= now)
        with self._store.engine.begin() as connection:
            for row in connection.execute(
                select(relayed_messages)
                .where(*due)
                .order_by(relayed_messages.c.next_attempt_at)
                .limit(5)
            ).all():
                taken = connection.execute(
                    update(relayed_messages)
                    .where(
                        relayed_messages.c.message_id == row.message_id,
                        relayed_messages.c.attempts == row.attempts,
                        *due,
                    )
                    .values(attempts=row.attempts + 1, next_attempt_at=now + TAKE_S)
                ).rowcount
                if taken:
                    return row
        return None

    def _failed(self, row: Any, error: str, permanent: bool) -> None:
        attempts = row.attempts + 1
        values: dict[str, Any] = {"last_error": error[:500]}
        if permanent or attempts >= MAX_ATTEMPTS:
            values.update(status="failed")
        else:
            values.update(next_attempt_at=self._clock() + retry_wait_s(attempts))
        with self._store.engine.begin() as connection:
            connection.execute(
                update(relayed_messages)
                .where(relayed_messages.c.message_id == row.message_id)
                .values(**values)
            )
        if values.get("status") == "failed":
            # The locker keeps the code until told: tell it, so its staff see the failure.
            command = self._identity.sign(
                row.locker_id,
                "message_failed",
                {"message": row.message_id, "error": error[:300]},
                int(self._clock()),
            )
            self._publish(LockerTopics(row.locker_id).cmd, command)

    def _confirm(self, locker_id: str, message_id: str, delivered_at: float) -> None:
        command = self._identity.sign(
            locker_id,
            "message_delivered",
            {"message": message_id, "at": int(delivered_at)},
            int(self._clock()),
        )
        self._publish(LockerTopics(locker_id).cmd, command)
