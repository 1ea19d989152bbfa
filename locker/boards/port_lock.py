"""One process per serial port: an advisory lock file that the kiosk and `locker board` share."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from pathlib import Path


class PortBusyError(Exception):
    """Another process holds the port."""


def lock_dir() -> Path:
    """Where the lock files live: LOCKER_LOCK_DIR, or the system's temporary folder."""
    return Path(os.environ.get("LOCKER_LOCK_DIR") or tempfile.gettempdir())


def lock_key(url: str) -> str:
    """A file-name-safe key; device paths are resolved so two names of one port share it."""
    if "://" not in url and os.path.exists(url):
        url = os.path.realpath(url)
    return re.sub(r"[^A-Za-z0-9._-]", "_", url).strip("_")


class PortLock:
    """An exclusive, non-blocking flock on the port's lock file; released on close or exit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = lock_dir() / f"locker-port-{lock_key(url)}.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise PortBusyError naming the holder's pid."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise PortBusyError(
                f"{self.url} is in use by process {holder} (is the kiosk running?)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> PortLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
