"""The lockers' statuses one centre process heard and has not stored yet: the latest of each."""

from __future__ import annotations

import threading


class LatestStatuses:
    """Statuses put by the network thread, taken in bulk by the thread that stores them.

    A locker's newer status replaces one not stored yet, so a process that has fallen behind
    stores where each locker is now instead of replaying, after another process, a flap that
    is over.
    """

    def __init__(self) -> None:
        self._latest: dict[str, bool] = {}
        self._heard = 0
        self._ready = threading.Condition()

    def put(self, locker_id: str, online: bool) -> None:
        """A status heard (from the network thread)."""
        with self._ready:
            self._latest[locker_id] = online
            self._heard += 1
            self._ready.notify()

    def take(self, timeout_s: float) -> tuple[dict[str, bool], int]:
        """Every locker's latest status not taken yet, waiting up to `timeout_s` for one, and
        how many statuses were heard up to now."""
        with self._ready:
            self._ready.wait_for(lambda: bool(self._latest), timeout_s)
            taken, self._latest = self._latest, {}
            return taken, self._heard

    def give_back(self, statuses: dict[str, bool]) -> None:
        """Statuses that could not be stored, unless a newer one came in the meantime."""
        with self._ready:
            for locker_id, online in statuses.items():
                self._latest.setdefault(locker_id, online)

    def waiting(self) -> bool:
        """Whether any status waits to be taken."""
        with self._ready:
            return bool(self._latest)
