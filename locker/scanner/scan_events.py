"""A decoded code becomes one scan event: debounced by payload, whatever source saw it.

The window slides: each sighting of a payload renews it, so a phone held in front of the
camera for ten seconds is one event, and the same code shown again after the window has
passed without a sighting is a new one. The camera loop and the serial scanner share one
Debouncer, so a code that both see at once is still one event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_WINDOW_S = 3.0


@dataclass(frozen=True)
class ScanEvent:
    """One code presented at the kiosk: its payload, symbology, who saw it and when."""

    text: str
    symbology: str
    source: str
    at: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Debouncer:
    """Turns sightings into ScanEvents: a payload seen again within `window_s` is no event.

    `clock` (monotonic seconds) measures the window; `wall` stamps the event. Both are
    injectable so tests move time by hand. Thread-safe: several scanner threads may offer.
    """

    def __init__(
        self,
        on_event: Callable[[ScanEvent], None] = lambda event: None,
        *,
        window_s: float = DEFAULT_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.on_event = on_event
        self.window_s = window_s
        self._clock = clock
        self._wall = wall
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self.events = 0
        self.repeats = 0

    def offer(self, text: str, symbology: str, source: str) -> ScanEvent | None:
        """Report one sighting; returns the new event (also passed to `on_event`) or None."""
        now = self._clock()
        with self._lock:
            last = self._last_seen.get(text)
            self._last_seen[text] = now
            self._forget_older_than(now - self.window_s)
            if last is not None and now - last <= self.window_s:
                self.repeats += 1
                return None
            self.events += 1
        event = ScanEvent(text, symbology, source, self._wall())
        # Outside the lock: the callback may block on a queue or take its own locks.
        self.on_event(event)
        return event

    def renew(self, text: str) -> None:
        """The code is still in view (the scene did not change): extend its window, no event."""
        with self._lock:
            if text in self._last_seen:
                self._last_seen[text] = self._clock()

    def _forget_older_than(self, cutoff: float) -> None:
        # Keeps the table to the codes of the last few seconds, however long the kiosk runs.
        stale = [text for text, seen in self._last_seen.items() if seen < cutoff]
        for text in stale:
            del self._last_seen[text]
