"""One process per serial port: an advisory lock file that the kiosk and `locker board` share.

The lock files live in LOCKER_LOCK_DIR, or else in a folder of this user's own (0700), so that
no other local user can plant a symlink or a file where the locker will write. The file itself
is opened without following a symlink, and refused unless it is a plain file with one link:
the locker writes its pid into it, and must never write anywhere else.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from locker import pid_file

# Where the private folder goes: the system's lock folder if we may write there (it is on a
# tmpfs, so stale files go at boot), else the temporary folder.
SYSTEM_LOCK_DIR = Path("/run/lock")


class PortBusyError(Exception):
    """Another process holds the port, or its lock file cannot be taken."""


class UnsafeLockFileError(PortBusyError):
    """The lock file or its folder is not safely ours: a symlink, a link, or others may write."""


def default_lock_dir(bases: Sequence[Path] | None = None) -> Path:
    """locker-<uid> under the first base folder we may write to (/run/lock, then the temp one)."""
    if bases is None:
        bases = (SYSTEM_LOCK_DIR, Path(tempfile.gettempdir()))
    name = f"locker-{os.getuid()}"
    for base in bases:
        if base.is_dir() and os.access(base, os.W_OK | os.X_OK):
            return base / name
    return Path(tempfile.gettempdir()) / name


def lock_dir() -> Path:
    """Where the lock files live: LOCKER_LOCK_DIR, or this user's own folder."""
    override = os.environ.get("LOCKER_LOCK_DIR")
    return Path(override) if override else default_lock_dir()


def open_lock_folder(folder: Path, *, private: bool) -> int:
    """A descriptor of the folder; a private one is made 0700 if missing, and refused if it
    is a symlink, not a folder, not ours or open to others."""
    if not private:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafeLockFileError(
                f"lock folder {folder} is a symbolic link or not a folder: refusing it "
                "(remove it, or set LOCKER_LOCK_DIR)"
            ) from None
        raise
    info = os.fstat(fd)
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        os.close(fd)
        raise UnsafeLockFileError(
            f"lock folder {folder} (owner {info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o}) "
            "is not this user's own 0700 folder: refusing it (remove it, or set LOCKER_LOCK_DIR)"
        )
    return fd


def lock_key(url: str) -> str:
    """A file-name-safe key; device paths are resolved so two names of one port share it."""
    if "://" not in url and os.path.exists(url):
        url = os.path.realpath(url)
    return re.sub(r"[^A-Za-z0-9._-]", "_", url).strip("_")


class PortLock:
    """An exclusive, non-blocking flock on the port's lock file; released on close or exit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._private = not os.environ.get("LOCKER_LOCK_DIR")
        self.path = lock_dir() / f"locker-port-{lock_key(url)}.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise PortBusyError naming the holder's pid."""
        fd = self._open()
        holder = pid_file.take(fd)
        if holder is not None:
            raise PortBusyError(f"{self.url} is in use by process {holder} (is the kiosk running?)")
        self._fd = fd

    def _open(self) -> int:
        """The lock file, opened without following a link and checked before any write."""
        folder = open_lock_folder(self.path.parent, private=self._private)
        try:
            fd = os.open(
                self.path.name,
                os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600,
                dir_fd=folder,
            )
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UnsafeLockFileError(
                    f"lock file {self.path} is a symbolic link: refusing to follow it"
                ) from None
            raise
        finally:
            os.close(folder)
        info = os.fstat(fd)
        # Another user's plain file in a shared LOCKER_LOCK_DIR is fine (the kiosk and a
        # service tool may run as different users); a second link to some other file is not.
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            os.close(fd)
            raise UnsafeLockFileError(
                f"lock file {self.path} is not a plain file with a single link: "
                "refusing to write to it"
            )
        if info.st_uid == os.getuid():
            # A lock file left by an older version may be world-readable: tighten it.
            os.fchmod(fd, 0o600)
        return fd

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            pid_file.give_back(self._fd)
            self._fd = None

    def __enter__(self) -> PortLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
