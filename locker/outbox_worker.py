"""The outbox worker: one thread that delivers due messages, one at a time, until stopped.

It never holds up a deposit or a pickup: those only write the outbox, in their own
transactions, and the worker reads it. It sleeps until the next poll, or until woken (a door
that shut on a parcel has a message to send at once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from locker.services.context import LockerContext
from locker.services.deliver_messages import deliver_next

log = logging.getLogger(__name__)


class OutboxWorker:
    """Delivers the outbox on a thread of its own, with its own store connection."""

    def __init__(self, make_context: Callable[[], LockerContext], poll_s: float = 1.0) -> None:
        self._make_context = make_context
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0

    def start(self) -> OutboxWorker:
        """Deliver on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll; safe from any thread."""
        self._wake.set()

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop after the message in hand, if any (its channel's timeout bounds the wait)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        ctx = self._make_context()
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    while not self._stop.is_set() and deliver_next(ctx) is not None:
                        self.delivered += 1
                except Exception:
                    log.exception("delivering the outbox failed; trying again at the next poll")
                self._wake.wait(self.poll_s)
        finally:
            close = getattr(ctx.store, "close", None)
            if close is not None:
                close()
