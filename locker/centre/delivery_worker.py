"""A worker that delivers what the centre keeps (relayed messages, carriers' events) on a thread
of its own: woken when something is kept, polling otherwise, retrying with back-off."""

from __future__ import annotations

import logging
import random
import threading
from typing import Self

log = logging.getLogger(__name__)

FIRST_RETRY_S = 30.0
MAX_RETRY_S = 3600.0


def retry_wait_s(attempts: int) -> float:
    """How long after its `attempts`-th failed try an item goes again: doubling from 30 s to an
    hour, less up to a quarter so that items failed together spread out."""
    wait = min(FIRST_RETRY_S * 2 ** min(attempts - 1, 32), MAX_RETRY_S)
    return wait * (1 - random.uniform(0, 0.25))


class DeliveryWorker:
    """Runs `deliver_next` until nothing is due, then waits to be woken or for the next poll."""

    thread_name = "centre-delivery"
    failure_text = "a delivery failed; trying again"

    def __init__(self, poll_s: float = 1.0) -> None:
        self._poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_next(self) -> bool:
        """Deliver the oldest due item; False when none is due."""
        raise NotImplementedError

    def wake(self) -> None:
        """Something new was kept: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> Self:
        """Deliver on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop after the item in hand."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                while not self._stop.is_set() and self.deliver_next():
                    pass
            except Exception:
                log.exception(self.failure_text)
            self._wake.wait(self._poll_s)
