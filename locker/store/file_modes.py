"""The database, its side files and its backups hold the locker's secret: only its user reads them.

Anyone who reads the secret can forge an admin's cookie or any parcel's QR. New files are made
0600 in a 0700 folder, and `secure_database_files` checks an existing database at start-up.
SQLite gives the WAL, shared-memory and journal files the mode of the database file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from locker.store.errors import StoreError

FILE_MODE = 0o600
FOLDER_MODE = 0o700
SIDE_FILES = ("-wal", "-shm", "-journal")
_OTHERS = 0o077  # the group's and everyone else's bits
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


@contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders made inside are the owner's alone (the umask is per process: be brief)."""
    old = os.umask(_OTHERS)
    try:
        yield
    finally:
        os.umask(old)


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) 0700 when it does not exist yet."""
    if folder.exists():
        return
    with private_umask():
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)


def make_private(path: Path) -> None:
    """Take the group's and everyone else's access away from one file the locker made."""
    os.chmod(path, stat.S_IMODE(os.stat(path).st_mode) & ~_OTHERS)


def database_files(path: Path) -> list[Path]:
    """The database file and whichever of its side files exist."""
    candidates = [path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)]
    return [p for p in candidates if p.exists()]


def secure_database_files(path: str | Path) -> list[Path]:
    """Tighten the database, its side files and its own folder; returns what was tightened.

    A folder that is not the database's own (it holds other folders, is shared with the sticky
    bit, or belongs to another user) is left as it is, unless others may write to it: then
    anyone could swap the database, and StoreError says so in one line.
    """
    path = Path(path)
    if not path.exists():
        return []
    tightened = []
    folder = path.parent
    folder_mode = stat.S_IMODE(os.stat(folder).st_mode)
    if folder_mode & _OTHERS:
        if _own_folder(folder):
            tightened.append(_tighten(folder))
        elif folder_mode & _OTHERS_WRITE:
            raise StoreError(
                f"others can write to {folder} (mode {folder_mode:o}), where the database "
                "is: move it to a folder of its own"
            )
    for file in database_files(path):
        if stat.S_IMODE(os.stat(file).st_mode) & _OTHERS:
            tightened.append(_tighten(file))
    return tightened


def _own_folder(folder: Path) -> bool:
    """The database's own folder: ours, not shared with the sticky bit, and holding only files."""
    info = os.stat(folder)
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX:
        return False
    return not any(entry.is_dir() for entry in folder.iterdir())


def _tighten(path: Path) -> Path:
    try:
        make_private(path)
    except OSError as error:
        raise StoreError(
            f"{path} is open to other users and cannot be made private: {error.strerror}"
        ) from None
    return path
