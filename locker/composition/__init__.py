"""The composition root: the one package that picks concrete parts from the settings."""

from locker.composition.context import build_context, open_store, rules_from
from locker.composition.logs import configure_logging
from locker.composition.memory import fix_mmap_threshold, limit_malloc_arenas
from locker.composition.running import LockerStartError, RunningLocker, start_locker

__all__ = [
    "LockerStartError",
    "RunningLocker",
    "build_context",
    "configure_logging",
    "fix_mmap_threshold",
    "limit_malloc_arenas",
    "open_store",
    "rules_from",
    "start_locker",
]
