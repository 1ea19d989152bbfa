"""Forgetting the nonces of commands long past: a locker answers within a command's lifetime
(at most 120 s) or never, so a day later the record only grows the store."""

from __future__ import annotations

from sqlalchemy import delete

from locker.centre.schema import grant_commands, order_commands
from locker.centre.store import CentreStore

KEEP_S = 24 * 3600.0


def forget_old_commands(store: CentreStore, now: float, keep_s: float = KEEP_S) -> int:
    """Delete the order and courier-grant command records signed before `now - keep_s`;
    how many."""
    cutoff = now - keep_s
    with store.engine.begin() as connection:
        gone = connection.execute(
            delete(order_commands).where(order_commands.c.signed_at < cutoff)
        ).rowcount
        gone += connection.execute(
            delete(grant_commands).where(grant_commands.c.signed_at < cutoff)
        ).rowcount
    return int(gone)
