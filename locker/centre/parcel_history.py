"""A carrier's parcel as the lockers' own records tell it: its state, door, times and history.

The centre stores every locker's audit records; a parcel's are those whose subject is its
tracking number and whose details name its carrier (another carrier's parcel with the same
number is never read). Only the event, its time, the locker and the door leave this module:
never a code, never a phone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from locker.centre.schema import events
from locker.centre.store import CentreStore

# The parcel's records a carrier may read, and the state each one leaves it in (None: an
# event in its life that changes no state, such as a reminder).
STATE_OF_RECORD: dict[str, str | None] = {
    "parcel.expected": "expected",
    "parcel.deposited": "deposited",
    "parcel.shut_in": "deposited",
    "parcel.reminded": None,
    "parcel.no_space": None,
    "parcel.collected": "collected",
    "parcel.expired": "expired",
    "parcel.returned": "returned",
    "parcel.cancelled": "cancelled",
    "parcel.withdrawn": "withdrawn",
    "parcel.disputed": "disputed",
}
# States in which the parcel has been put in a locker: a new pre-advice for it is too late.
DEPOSITED_STATES = frozenset({"deposited", "expired", "disputed", "collected", "returned"})
MAX_RECORDS = 500


@dataclass(frozen=True)
class HistoryEntry:
    """One record of the parcel's life."""

    event: str
    at: str
    locker_id: str
    door: str | None

    def shown(self) -> dict[str, Any]:
        """As the API shows it."""
        return {"event": self.event, "at": self.at, "locker": self.locker_id, "door": self.door}


@dataclass(frozen=True)
class ParcelHistory:
    """What the records say of one carrier's parcel, oldest first."""

    entries: list[HistoryEntry] = field(default_factory=list)

    def state(self) -> str | None:
        """The state the last state-changing record left it in."""
        for entry in reversed(self.entries):
            state = STATE_OF_RECORD.get(f"parcel.{entry.event}")
            if state is not None:
                return state
        return None

    def last(self) -> HistoryEntry | None:
        """The latest record that changed its state, else the latest record."""
        for entry in reversed(self.entries):
            if STATE_OF_RECORD.get(f"parcel.{entry.event}") is not None:
                return entry
        return self.entries[-1] if self.entries else None

    def door(self) -> str | None:
        """The door it was last recorded in."""
        return next((e.door for e in reversed(self.entries) if e.door), None)

    def times(self) -> dict[str, str]:
        """When each event last happened."""
        return {entry.event: entry.at for entry in self.entries}


def parcel_history(store: CentreStore, carrier: str, tracking: str) -> ParcelHistory:
    """Every record of this carrier's parcel the centre holds, from any locker, oldest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(events.c.locker_id, events.c.at, events.c.action, events.c.details)
            .where(events.c.subject == tracking, events.c.action.in_(STATE_OF_RECORD))
            .order_by(events.c.received_at, events.c.seq)
            .limit(MAX_RECORDS)
        ).all()
    entries = []
    for row in rows:
        details = _details(row.details)
        if details.get("carrier") != carrier:
            continue
        door = details.get("compartment", details.get("door"))
        entries.append(
            HistoryEntry(
                row.action.removeprefix("parcel."),
                utc_text(row.at),
                row.locker_id,
                door if isinstance(door, str) else None,
            )
        )
    entries.sort(key=lambda entry: entry.at)
    return ParcelHistory(entries)


def _details(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def utc_text(at: str) -> str:
    """A record's time in UTC to the second, so that times from several lockers sort."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def moment(at: str) -> float | None:
    """A record's time in seconds since the epoch, or None when it is not a time."""
    try:
        found = datetime.fromisoformat(at)
    except ValueError:
        return None
    return (found if found.tzinfo else found.replace(tzinfo=UTC)).timestamp()
