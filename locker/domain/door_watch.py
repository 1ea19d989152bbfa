"""Doors left open: a reminder on screen first, then an alert for the admin, each once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum


class OpenDoorStage(Enum):
    """How long a door has stood open."""

    REMINDER = "reminder"
    ALERT = "alert"


@dataclass
class DoorWatch:
    """Open doors and when they opened; `due` says which crossed a limit since last asked."""

    reminder_after: timedelta = timedelta(seconds=60)
    alert_after: timedelta = timedelta(minutes=5)
    _opened: dict[str, datetime] = field(default_factory=dict)
    _told: dict[str, set[OpenDoorStage]] = field(default_factory=dict)

    def opened(self, label: str, at: datetime) -> None:
        """A door opened (kept at its first opening while it stays open)."""
        self._opened.setdefault(label, at)
        self._told.setdefault(label, set())

    def closed(self, label: str, at: datetime) -> None:
        """A door shut: nothing more to remind of."""
        self._opened.pop(label, None)
        self._told.pop(label, None)

    def open_for(self, label: str, now: datetime) -> timedelta | None:
        """How long a door has been open, or None if it is shut."""
        at = self._opened.get(label)
        return None if at is None else now - at

    def due(self, now: datetime) -> list[tuple[str, OpenDoorStage]]:
        """Doors that crossed the reminder or alert limit since the last call."""
        found = []
        for label, at in sorted(self._opened.items()):
            for stage, limit in (
                (OpenDoorStage.REMINDER, self.reminder_after),
                (OpenDoorStage.ALERT, self.alert_after),
            ):
                if now - at >= limit and stage not in self._told[label]:
                    self._told[label].add(stage)
                    found.append((label, stage))
        return found
