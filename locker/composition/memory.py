"""The served locker's heap: a few malloc arenas shared by all its threads."""

from __future__ import annotations

import ctypes
import os

# glibc's mallopt parameter for the most arenas malloc may make (malloc.h).
M_ARENA_MAX = -8
# The locker's two dozen threads take turns on the GIL: two arenas hardly ever make one wait.
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Let glibc's malloc make at most `arenas` arenas in this process; True if it took.

    Otherwise glibc gives each thread that allocates an arena of its own, up to eight per core,
    and each arena keeps what it once held: under load the served kiosk grew by about 30 MB.
    Call it before the threads start. A MALLOC_ARENA_MAX in the environment (the systemd unit
    sets one) is left to rule, and a C library without `mallopt` changes nothing.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
