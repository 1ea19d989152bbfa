"""Clock skew: a locker whose clock strays from the centre's raises a `clock_skew` alarm.

A locker refuses commands more than 30 s off its clock, and its audit times would mislead, so
the centre compares each state's `clock` with the moment it received that state. A retained
state read when the centre connects may be up to a minute old, so only states received after
a short grace are judged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from locker.centre.fleet_view import parse_state
from locker.centre.store import CentreStore

log = logging.getLogger(__name__)

CHECK_EVERY_S = 10.0
# Longer than the broker takes to hand over retained states after the centre connects.
GRACE_S = 10.0


def skewed(store: CentreStore, limit_s: float, since: float) -> list[tuple[str, float]]:
    """(locker, seconds its clock is ahead) for each state received after `since` that strays."""
    found = []
    for row in store.lockers():
        if row["state"] is None or row["state_at"] is None or row["state_at"] < since:
            continue

        clock = parse_state(row["state"]).get("clock")
        if isinstance(clock, int | float) and not isinstance(clock, bool):
            ahead = float(clock) - float(row["state_at"])
            if abs(ahead) > limit_s:
                found.append((row["locker_id"], ahead))
    return found


def check_clocks(store: CentreStore, limit_s: float, since: float, now: float) -> int:
    """Raise an alarm for each straying clock; how many were newly raised."""
    raised = 0
    for locker_id, ahead in skewed(store, limit_s, since):
        way = "ahead of" if ahead > 0 else "behind"
        detail = f"the locker's clock is {abs(ahead):.0f} s {way} the centre's"
        raised += store.raise_alarm(locker_id, "clock_skew", detail, now)
    return raised


class ClockWatch:
    """Checks the lockers' clocks now and then, on a thread of its own."""

    def __init__(
        self,
        make_store: Callable[[], CentreStore],
        limit_s: float,
        clock: Callable[[], float] = time.time,
        every_s: float = CHECK_EVERY_S,
    ) -> None:
        self._make_store = make_store
        self._limit_s = limit_s
        self._clock = clock
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ClockWatch:
        """Check on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="centre-clocks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop checking."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        since = self._clock() + GRACE_S
        store = self._make_store()
        try:
            while not self._stop.wait(self._every_s):
                try:
                    check_clocks(store, self._limit_s, since, self._clock())
                except Exception:
                    log.exception("checking the lockers' clocks failed")
        finally:
            store.close()
