"""The serial port's lock file: one holder at a time, and no path for a local user to hijack."""

from __future__ import annotations

import os
import stat

import pytest

from locker.boards.port_lock import (
    PortBusyError,
    PortLock,
    UnsafeLockFileError,
    default_lock_dir,
    open_lock_folder,
)

URL = "/dev/ttyUSB-test"


def test_a_second_holder_is_refused_with_the_first_ones_pid(lock_dir):
    with PortLock(URL), pytest.raises(PortBusyError, match=f"process {os.getpid()}"):
        PortLock(URL).acquire()


def test_a_symlink_planted_at_the_lock_path_is_not_followed(lock_dir):
    precious = lock_dir / "precious"
    precious.write_text("keep me")
    lock = PortLock(URL)
    lock.path.symlink_to(precious)
    with pytest.raises(UnsafeLockFileError, match="symbolic link"):
        lock.acquire()
    assert precious.read_text() == "keep me"


def test_a_hard_link_planted_at_the_lock_path_is_not_written(lock_dir):
    precious = lock_dir / "precious"
    precious.write_text("keep me")
    lock = PortLock(URL)
    os.link(precious, lock.path)
    with pytest.raises(UnsafeLockFileError, match="single link"):
        lock.acquire()
    assert precious.read_text() == "keep me"


def test_the_lock_file_is_private_and_not_inherited(lock_dir):
    with PortLock(URL) as lock:
        assert stat.S_IMODE(lock.path.stat().st_mode) == 0o600
        assert lock.path.read_text() == str(os.getpid())
        assert not os.get_inheritable(lock._fd)


def test_by_default_the_folder_is_our_own_under_the_first_writable_base(tmp_path):
    missing, base = tmp_path / "no-run-lock", tmp_path / "tmp"
    base.mkdir()
    assert default_lock_dir([missing, base]) == base / f"locker-{os.getuid()}"


def test_the_default_folder_is_made_private(tmp_path):
    folder = tmp_path / "locker-me"
    os.close(open_lock_folder(folder, private=True))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_symlink_planted_as_the_default_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "locker-me").symlink_to(elsewhere)
    with pytest.raises(UnsafeLockFileError, match="symbolic link"):
        open_lock_folder(tmp_path / "locker-me", private=True)
    assert list(elsewhere.iterdir()) == []


def test_a_default_folder_others_may_write_is_refused(tmp_path):
    folder = tmp_path / "locker-me"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(UnsafeLockFileError, match="0777"):
        open_lock_folder(folder, private=True)
