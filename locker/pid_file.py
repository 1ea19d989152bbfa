"""A lock file that names its holder: an exclusive flock, with the holder's pid written in it."""

from __future__ import annotations

import fcntl
import os


def take(fd: int) -> str | None:
    """Lock the open file and write this process's pid in it; None when taken.

    When another process holds it, the file is closed and that process's pid (as written in
    the file) is returned.
    """
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
        os.close(fd)
        return holder
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return None


def give_back(fd: int) -> None:
    """Unlock and close a file taken with `take`."""
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
