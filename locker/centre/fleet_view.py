"""What the console shows, read from the centre's store: lockers, their events and alarms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, or_, select, update

from locker.centre.schema import alarms, commands, events, lockers
from locker.centre.store import CentreStore

# The locker's own alarms, as its admin dashboard lists them (locker/web/admin.py).
LOCKER_ALARM_ACTIONS = (
    "alarm.door_opened_without_command",
    "alert.door_left_open",
    "sensor.fault",
    "door.fault",
    "door.unreachable",
    "pickup.refused",
)
ACKNOWLEDGED = "alarm.acknowledged"
ALARM_SCAN = 500
RECENT_EVENTS = 30
# How many are online: PostgreSQL sums no booleans, and a sum typed Boolean reads any count as True.
ONLINE_AS_NUMBER = case((lockers.c.online.is_(True), 1), else_=0)


@dataclass(frozen=True)
class LockerView:
    """One locker's row on the fleet page."""

    locker_id: str
    online: bool
    last_seen: float | None
    verified_seq: int
    stored_seq: int
    chain_broken_at: int | None
    state: dict[str, Any]
    open_alarms: int


def parse_state(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def fleet(store: CentreStore) -> list[LockerView]:
    """Every locker, by id, with its count of open alarms (the centre's and its own)."""
    counts: dict[str, int] = {}
    for alarm in store.open_alarms():
        counts[alarm["locker_id"]] = counts.get(alarm["locker_id"], 0) + 1
    for alarm in locker_alarms(store):
        counts[alarm["locker_id"]] = counts.get(alarm["locker_id"], 0) + 1
    return [
        LockerView(
            row["locker_id"],
            bool(row["online"]),
            row["last_seen"],
            int(row["verified_seq"]),
            int(row["stored_seq"]),
            row["chain_broken_at"],
            parse_state(row["state"]),
            counts.get(row["locker_id"], 0),
        )
        for row in store.lockers()
    ]


def one_locker(store: CentreStore, locker_id: str) -> LockerView | None:
    """One locker's view, or None for a locker the centre has not heard of."""
    return next((view for view in fleet(store) if view.locker_id == locker_id), None)


def known_locker(store: CentreStore, locker_id: str) -> bool:
    """Whether the centre has heard of this locker."""
    with store.engine.connect() as connection:
        found = connection.execute(
            select(lockers.c.locker_id).where(lockers.c.locker_id == locker_id)
        ).first()
    return found is not None


def recent_events(
    store: CentreStore, locker_id: str, limit: int = RECENT_EVENTS
) -> list[dict[str, Any]]:
    """A locker's newest stored events, newest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(events)
            .where(events.c.locker_id == locker_id)
            .order_by(events.c.seq.desc())
            .limit(limit)
        )
        return [{**row._mapping, "details": parse_state(row.details)} for row in rows]


def locker_alarms(store: CentreStore, locker_id: str | None = None) -> list[dict[str, Any]]:
    """The lockers' own alarms, from their logs, that no `alarm.acknowledged` answers yet."""
    kinds = or_(events.c.action.in_(LOCKER_ALARM_ACTIONS), events.c.action.like("%.lockout"))
    query = select(events).where(kinds).order_by(events.c.received_at.desc()).limit(ALARM_SCAN)
    answered = select(events.c.locker_id, events.c.subject).where(events.c.action == ACKNOWLEDGED)
    if locker_id is not None:
        query = query.where(events.c.locker_id == locker_id)
        answered = answered.where(events.c.locker_id == locker_id)
    with store.engine.connect() as connection:
        done = {(row.locker_id, row.subject) for row in connection.execute(answered)}
        rows = connection.execute(query)
        return [
            {**row._mapping, "details": parse_state(row.details)}
            for row in rows
            if (row.locker_id, str(row.seq)) not in done
        ]


def centre_alarm(store: CentreStore, alarm_id: int) -> dict[str, Any] | None:
    """One of the centre's alarms, acknowledged or not."""
    with store.engine.connect() as connection:
        found = connection.execute(select(alarms).where(alarms.c.id == alarm_id)).first()
    return dict(found._mapping) if found else None


def acknowledge_centre_alarm(
    store: CentreStore, alarm_id: int, operator: str, note: str, now: float
) -> bool:
    """Close an open centre alarm with the operator's note; False when it was not open."""
    with store.engine.begin() as connection:
        done = connection.execute(
            update(alarms)
            .where(alarms.c.id == alarm_id, alarms.c.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by=operator, note=note)
        )
    return done.rowcount == 1


def fingerprint(store: CentreStore) -> str:
    """Changes whenever something a console page shows has changed.

    A stored event moves its locker's `last_seen`, so the events table itself is not read.
    """
    with store.engine.connect() as connection:
        parts = [
            connection.execute(
                select(func.max(lockers.c.last_seen), func.count(), func.sum(ONLINE_AS_NUMBER))
            ).one(),
            connection.execute(
                select(
                    func.count(), func.max(alarms.c.raised_at), func.max(alarms.c.acknowledged_at)
                )
            ).one(),
            connection.execute(select(func.max(commands.c.updated_at))).one(),
        ]
    return json.dumps([list(part) for part in parts], default=str)
