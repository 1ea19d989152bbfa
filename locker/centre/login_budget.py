"""The console's failure budget for logins, kept in the centre's store so that every centre
process counts the same failures, and judged so that logins tried at once are counted in turn.

Each try is written down before its password is checked; it counts as a failure unless it
succeeds. Tries are judged one at a time, each against every try written before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import delete, func, insert, select

from locker.centre.row_locks import lock_key
from locker.centre.schema import login_attempts
from locker.centre.store import CentreStore

# Failures per username and per address in the window, before logins from them wait it out.
FREE_FAILURES = 5
FAILURE_WINDOW_S = 600.0
MAX_KEY = 200


class LoginBudget:
    """Recent failed logins per key (a username, an address); past the budget, logins wait."""

    def __init__(self, store: CentreStore, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def begin(self, keys: Sequence[str]) -> list[int] | None:
        """Write the try down against every key; None (and nothing kept) when a key has spent
        its budget on the tries before this one."""
        now = self._clock()
        # Stored as text any database takes (PostgreSQL refuses a NUL).
        keys = ["".join(c if c.isprintable() else "?" for c in key[:MAX_KEY]) for key in keys]
        with self._store.engine.begin() as connection:
            # Tries are judged in turn: each sees every try written before it.
            lock_key(connection, "login attempts")
            connection.execute(
                delete(login_attempts).where(login_attempts.c.at < now - FAILURE_WINDOW_S)
            )
            for key in keys:
                before = connection.execute(
                    select(func.count()).where(
                        login_attempts.c.key == key,
                        login_attempts.c.at >= now - FAILURE_WINDOW_S,
                    )
                ).scalar_one()
                if before >= FREE_FAILURES:
                    return None
            return [
                int(
                    connection.execute(
                        insert(login_attempts).values(key=key, at=now)
                    ).inserted_primary_key[0]
                )
                for key in keys
            ]

    def forget(self, ids: Sequence[int]) -> None:
        """The try succeeded (or was never judged): it is no failure."""
        with self._store.engine.begin() as connection:
            connection.execute(delete(login_attempts).where(login_attempts.c.id.in_(list(ids))))
