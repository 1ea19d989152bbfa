"""A board that holds every unlock until the test lets it go, to keep requests in flight."""

from __future__ import annotations

import threading

from locker.boards.in_memory import InMemoryBoard
from locker.domain.models import Address
from locker.ports import UnlockOutcome


class GatedBoard(InMemoryBoard):
    """An in-memory board whose unlocks wait at a gate once `hold()` shut it."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Semaphore(0)

    def hold(self) -> None:
        """Hold the next unlocks at the gate, forgetting the ones that passed, and what fired."""
        self.gate.clear()
        self.waiting = threading.Semaphore(0)
        self.opened.clear()

    def open(self, address: Address, timeout: float = 2.0) -> UnlockOutcome:
        self.waiting.release()
        assert self.gate.wait(10), "the test never opened the gate"
        return super().open(address, timeout)

    def wait_for_unlock(self, timeout: float = 5.0) -> bool:
        """Block until some unlock reached the gate."""
        return self.waiting.acquire(timeout=timeout)
