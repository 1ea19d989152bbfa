"""The served locker's heap: a few malloc arenas shared by all its threads, and large blocks
given back to the system when freed."""

from __future__ import annotations

import ctypes
import os

# glibc's mallopt parameters (malloc.h): the most arenas malloc may make, and the size from
# which a block is mapped on its own (and unmapped when freed) instead of cut from an arena.
M_ARENA_MAX = -8
M_MMAP_THRESHOLD = -3
# The locker's two dozen threads take turns on the GIL: two arenas hardly ever make one wait.
ARENAS = 2
# Below the smallest camera frame (640x480 gray, 300 KiB): every frame and image a decoding step
# makes is mapped, and given back when the step is done with it.
MMAP_THRESHOLD = 256 * 1024


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Let glibc's malloc make at most `arenas` arenas in this process; True if it took.

    Otherwise glibc gives each thread that allocates an arena of its own, up to eight per core,
    and each arena keeps what it once held: under load the served kiosk grew by about 30 MB.
    Call it before the threads start. A MALLOC_ARENA_MAX in the environment (the systemd unit
    sets one) is left to rule, and a C library without `mallopt` changes nothing.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    return _mallopt(M_ARENA_MAX, arenas)


def fix_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Map every block of `size` bytes or more on its own; True if it took.

    glibc starts at 128 KiB but raises the threshold to the size of each mapped block freed, up to
    32 MB: after the first frames, the camera's images came from the arenas, and an arena
    keeps its high-water mark, so the served kiosk's peak under load was about 12 MB higher. A
    fixed threshold stops that rule. A MALLOC_MMAP_THRESHOLD_ in the environment is left to rule.
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    return _mallopt(M_MMAP_THRESHOLD, size)


def _mallopt(parameter: int, value: int) -> bool:
    """glibc's mallopt; False where the C library has none (another libc changes nothing)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(parameter, value))
