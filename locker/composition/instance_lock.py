"""One running locker per database: a second `locker run` would settle the first one's doors."""

from __future__ import annotations

import os
from pathlib import Path

from locker import pid_file


class InstanceBusyError(Exception):
    """Another process serves this database already."""


class InstanceLock:
    """An exclusive flock on `<database>.run.lock`, held while the locker runs."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".run.lock")
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        """Take the lock, or raise InstanceBusyError naming the process that holds it."""
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(self.path, flags, 0o600)
        holder = pid_file.take(fd)
        if holder is not None:
            raise InstanceBusyError(
                f"{self.database} is served already by process {holder}: "
                "stop that `locker run` first"
            )
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            pid_file.give_back(self._fd)
            self._fd = None
