"""A pipe that wakes a port's thread out of `select`, so stopping it needs no polling."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

# How long stop() waits for a serving thread; a healthy one leaves within milliseconds.
JOIN_TIMEOUT_S = 5.0


class Waker:
    """The read end goes in the thread's selector; `wake()` makes it readable."""

    def __init__(self) -> None:
        self.fd, self._write_fd = os.pipe()

    def wake(self) -> None:
        """Make the read end readable."""
        os.write(self._write_fd, b"\0")

    def close(self) -> None:
        """Close both ends."""
        os.close(self.fd)
        os.close(self._write_fd)


class ServeThread:
    """One daemon thread running `target(waker_fd)` until `stop()` wakes it and joins it."""

    def __init__(self, name: str, target: Callable[[int], None]) -> None:
        self._waker = Waker()
        self._thread = threading.Thread(
            target=target, args=(self._waker.fd,), name=name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Wake the thread, wait for it to leave, and close the pipe."""
        self._waker.wake()
        self._thread.join(JOIN_TIMEOUT_S)
        if self._thread.is_alive():
            # Leaving the pipe open: the thread may still select on it.
            raise RuntimeError(f"{self._thread.name} did not stop within {JOIN_TIMEOUT_S} s")
        self._waker.close()
