"""A bounded number of live streams, so open streams never take the threads pages need.

waitress serves each response on one of a fixed number of threads, and a Server-Sent Events
stream holds its thread while it is open. Past the limit a stream is refused (the browser
tries again later); every stream ends after a while and the browser reconnects, so a page
left open does not keep a slot for ever.
"""

from __future__ import annotations

import threading

RETRY_AFTER_S = 10


class StreamSlot:
    """One stream's claim; `release()` frees it once, however often it is called."""

    def __init__(self, slots: StreamSlots) -> None:
        self._slots = slots
        self._released = False

    def release(self) -> None:
        """The stream has stopped."""
        with self._slots.lock:
            if not self._released:
                self._released = True
                self._slots.taken -= 1


class StreamSlots:
    """At most `limit` streams at once; `stopping` ends them all (the server is closing)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.taken = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def claim(self) -> StreamSlot | None:
        """A slot, or None when every slot is taken."""
        with self.lock:
            if self.taken >= self.limit:
                return None
            self.taken += 1
        return StreamSlot(self)
