"""Carriers' webhooks from the centre: each carrier event in the lockers' logs, kept, then POSTed.

A fleet locker leaves its carriers' calls to the centre. The centre reads the same events from
the records it stores, with the ids a locker alone would have used (`{locker}:{seq}`), keeps
each once in `webhook_events` before the records are acknowledged, and delivers them with the
same signed channel a locker uses (docs/webhooks.md), retrying with back-off.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, delete, or_, select, update

from locker.centre.delivery_worker import DeliveryWorker, retry_wait_s
from locker.centre.schema import carrier_webhooks, lockers, webhook_events
from locker.centre.store import CentreStore
from locker.centre.upsert import insert_new
from locker.domain.audit_chain import AuditRecord
from locker.domain.carrier_events import carrier_event
from locker.message_channel import DeliveryError, OutgoingMessage, WebhookEvent
from locker.notify.webhook import WebhookChannel

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# Past the channel's own timeout, another process may take an event this process took.
TAKE_MARGIN_S = 30.0


@dataclass(frozen=True)
class WebhookTargets:
    """Where each carrier's events go: its registration at the centre, else the notifier's
    settings (`webhook_urls`, `webhook_secrets`)."""

    store: CentreStore
    configured: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    timeout_s: float = 10.0

    def of(self, carrier: str) -> tuple[str, str] | None:
        """(URL, secret) for the carrier, or None when it has no webhook."""
        with self.store.engine.connect() as connection:
            row = connection.execute(
                select(carrier_webhooks.c.url, carrier_webhooks.c.secret).where(
                    carrier_webhooks.c.carrier == carrier
                )
            ).first()
        if row is not None:
            return str(row.url), str(row.secret)
        return self.configured.get(carrier)

    def carriers(self) -> set[str]:
        """The carriers with a webhook."""
        with self.store.engine.connect() as connection:
            registered = connection.execute(select(carrier_webhooks.c.carrier)).scalars()
            return set(self.configured) | {str(name) for name in registered}


def set_carrier_webhook(
    store: CentreStore, carrier: str, url: str, secret: str, now: float
) -> None:
    """Register (or replace) the carrier's webhook at the centre."""
    with store.engine.begin() as connection:
        changed = connection.execute(
            update(carrier_webhooks)
            .where(carrier_webhooks.c.carrier == carrier)
            .values(url=url, secret=secret, updated_at=now)
        ).rowcount
        if not changed:
            insert_new(
                connection,
                carrier_webhooks,
                [{"carrier": carrier, "url": url, "secret": secret, "updated_at": now}],
            )


def remove_carrier_webhook(store: CentreStore, carrier: str) -> None:
    """Forget the carrier's webhook registered at the centre, if it has one."""
    with store.engine.begin() as connection:
        connection.execute(delete(carrier_webhooks).where(carrier_webhooks.c.carrier == carrier))


def _zone(state: str | None, default: tzinfo) -> tzinfo:
    """The locker's time zone from its retained state, else the centre's."""
    try:
        name = json.loads(state or "{}").get("timezone")
        return ZoneInfo(name) if isinstance(name, str) else default
    except (ValueError, AttributeError, ZoneInfoNotFoundError):
        return default


def queue_carrier_events(
    store: CentreStore,
    targets: WebhookTargets,
    records: Sequence[tuple[str, AuditRecord]],
    now: float,
    default_zone: tzinfo = UTC,
) -> int:
    """Keep one webhook event per carrier record of a carrier with a webhook; the number new.

    Called after the records are stored and before they are acknowledged: a crash in between
    brings the records again, and each event is kept once by its id.
    """
    touched = sorted({locker_id for locker_id, _ in records})
    with store.engine.connect() as connection:
        states = dict(
            connection.execute(
                select(lockers.c.locker_id, lockers.c.state).where(lockers.c.locker_id.in_(touched))
            ).all()
        )
    zones = {locker_id: _zone(states.get(locker_id), default_zone) for locker_id in touched}
    hooked = targets.carriers()
    rows = []
    for locker_id, record in records:
        found = carrier_event(locker_id, record, zones[locker_id])
        if found is None or found[1] not in hooked:
            continue
        event_id, carrier, body = found
        rows.append(
            {
                "event_id": event_id,
                "carrier": carrier,
                "locker_id": locker_id,
                "body": json.dumps(body, sort_keys=True),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    if rows:
        with store.engine.begin() as connection:
            insert_new(connection, webhook_events, rows)
    return len(rows)


class WebhookSender(DeliveryWorker):
    """Delivers the kept events on a thread of its own; any number of centre processes may run
    one over the same store."""

    thread_name = "centre-webhooks"
    failure_text = "delivering a carrier's webhook failed; trying again"

    def __init__(
        self,
        store: CentreStore,
        targets: WebhookTargets,
        clock: Callable[[], float] = time.time,
        poll_s: float = 1.0,
    ) -> None:
        self._store = store
        self._targets = targets
        self._clock = clock
        super().__init__(poll_s)

    def deliver_next(self) -> bool:
        """Deliver the oldest due event; False when none is due."""
        row = self._take()
        if row is None:
            return False
        target = self._targets.of(row.carrier)
        try:
            if target is None:
                raise DeliveryError(f"carrier {row.carrier!r} has no webhook now", permanent=True)
            channel = WebhookChannel({row.carrier: target}, self._targets.timeout_s)
            body = json.loads(row.body)
            channel.send(
                OutgoingMessage(
                    message_id=row.event_id,
                    kind=str(body.get("type", "")),
                    recipient=row.carrier,
                    language="",
                    event=WebhookEvent(row.event_id, body),
                )
            )
        except DeliveryError as error:
            self._failed(row, str(error), error.permanent)
            return True
        self._finish(row.event_id, status="delivered", delivered_at=self._clock(), last_error=None)
        return True

    def _take(self) -> Any:
        """The oldest due event, taken for this try so that no other process sends it too."""
        now = self._clock()
        free = or_(webhook_events.c.taken_until.is_(None), webhook_events.c.taken_until < now)
        due = and_(
            webhook_events.c.status == "pending", webhook_events.c.next_attempt_at <= now, free
        )
        with self._store.engine.begin() as connection:
            for row in connection.execute(
                select(webhook_events)
                .where(due)
                .order_by(webhook_events.c.next_attempt_at, webhook_events.c.event_id)
                .limit(5)
            ).all():
                taken = connection.execute(
                    update(webhook_events)
                    .where(webhook_events.c.event_id == row.event_id, due)
                    .values(
                        attempts=webhook_events.c.attempts + 1,
                        taken_until=now + self._targets.timeout_s * 2 + TAKE_MARGIN_S,
                    )
                ).rowcount
                if taken:
                    return row
        return None

    def _failed(self, row: Any, error: str, permanent: bool) -> None:
        attempts = row.attempts + 1
        log.warning("carrier %s's event %s not delivered: %s", row.carrier, row.event_id, error)
        if permanent or attempts >= MAX_ATTEMPTS:
            self._finish(row.event_id, status="failed", last_error=error[:500])
            return
        self._finish(
            row.event_id,
            next_attempt_at=self._clock() + retry_wait_s(attempts),
            last_error=error[:500],
        )

    def _finish(self, event_id: str, **values: Any) -> None:
        with self._store.engine.begin() as connection:
            connection.execute(
                update(webhook_events)
                .where(webhook_events.c.event_id == event_id)
                .values(taken_until=None, **values)
            )
