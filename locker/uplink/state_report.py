"""The locker's retained state on `lockers/{id}/state`: on connect, and on change, coalesced."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# A burst of door events becomes one publication at most this often.
COALESCE_S = 1.0
# With nothing changing, the state still goes out now and then, so the centre sees the clock.
REFRESH_S = 60.0


class StateReport:
    """Publishes the snapshot `read_state` returns when it changes, from a thread of its own."""

    def __init__(
        self,
        read_state: Callable[[], dict[str, Any]],
        publish: Callable[[bytes], bool],
        coalesce_s: float = COALESCE_S,
    ) -> None:
        self._read_state = read_state
        self._publish = publish
        self._coalesce_s = coalesce_s
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.published = 0

    def start(self) -> StateReport:
        """Report on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="uplink-state", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop reporting."""
        self._stop.set()
        self._dirty.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def changed(self) -> None:
        """Something the state shows changed (a door event, a connection); from any thread."""
        self._dirty.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait(REFRESH_S)
            if self._stop.is_set():
                return
            self._dirty.clear()
            try:
                payload = json.dumps(self._read_state(), sort_keys=True).encode()
                # Not connected: the uplink marks the state changed when it connects.
                if self._publish(payload):
                    self.published += 1
            except Exception:
                log.exception("reading the locker's state failed")
            self._stop.wait(self._coalesce_s)
