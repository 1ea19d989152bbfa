"""The life cycle every simulated port shares: start, unplug, replug, stop, under one lock."""

from __future__ import annotations

import threading
from typing import Self


class SimPort:
    """A port a test can pull out and put back; subclasses open and close the real thing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def plugged(self) -> bool:
        """Whether the port is open for a host."""
        raise NotImplementedError

    def start(self) -> None:
        """Open the port and start answering."""
        with self._lock:
            self._plug()

    def stop(self) -> None:
        """Close the port for good."""
        with self._lock:
            self._unplug()

    def unplug(self) -> None:
        """Pull the cable: the host's reads and writes fail."""
        with self._lock:
            self._unplug()

    def replug(self) -> None:
        """Put it back where the host will find it again."""
        with self._lock:
            if not self.plugged:
                self._plug()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _plug(self) -> None:
        raise NotImplementedError

    def _unplug(self) -> None:
        raise NotImplementedError
