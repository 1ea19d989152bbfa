"""Doors standing open longer than the reminder, for the dashboard's attention list.

The dispatcher reminds on screen and alerts once; the dashboard must show a door that is still
open whenever it is looked at, so it reads the store: the board's last report for the door
(`door_opened_at`, `door_closed_at`) and, for a compartment the records hold open, its last
unlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from locker.domain.models import Compartment
from locker.domain.states import CompartmentState
from locker.services.context import LockerContext


@dataclass(frozen=True)
class OpenDoor:
    """A door open since `since`, longer than the reminder."""

    label: str
    since: datetime
    state: CompartmentState


def open_since(compartment: Compartment, unlocked_at: datetime | None) -> datetime | None:
    """Since when a door stands open: the board's last report says opened, or the records hold
    it open (unlocked, and not reported shut since); None for a shut door."""
    opened, closed = compartment.door_opened_at, compartment.door_closed_at
    if opened is not None and (closed is None or closed < opened):
        return opened
    if compartment.state is CompartmentState.OPEN:
        return unlocked_at
    return None


def doors_left_open(ctx: LockerContext, longer_than: timedelta) -> list[OpenDoor]:
    """Doors open for longer than `longer_than`, longest open first."""
    now = ctx.clock.now()
    found = []
    for compartment in ctx.store.compartments():
        unlocked_at = None
        if compartment.state is CompartmentState.OPEN:
            last = ctx.store.last_door_operation(compartment.label)
            unlocked_at = last.started_at if last is not None else None
        since = open_since(compartment, unlocked_at)
        if since is not None and now - since > longer_than:
            found.append(OpenDoor(compartment.label, since, compartment.state))
    return sorted(found, key=lambda door: door.since)
