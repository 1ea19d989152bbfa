"""One-time tickets that hand what the camera saw to the browser page that should act on it.

The camera is read on the server, but a login or a pickup offer belongs to the kiosk's browser
session. The scan's outcome therefore carries only a random ticket; the page that receives it
redeems the ticket once, in a POST of its own, to get the payload.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from locker.ports import Clock
from locker.services.context import SystemClock

# The kinds of ticket, one per route that redeems them.
COURIER = "courier"
MORE = "more"
# Long enough for a page to receive the event and post it back, or for a person to press
# "Open them too"; short enough that a ticket seen by someone else soon stops working.
DEFAULT_TTL = timedelta(seconds=60)
# A kiosk sees a scan every few seconds at most; this many tickets cover far more than one
# ttl of scans, and keep a flood of scans from growing the store without limit.
DEFAULT_LIMIT = 64
TOKEN_BYTES = 32


class ScanTickets:
    """A bounded, thread-safe store of one-time tickets that expire on the given clock."""

    def __init__(
        self,
        clock: Clock | None = None,
        ttl: timedelta = DEFAULT_TTL,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        if limit < 1:
            raise ValueError("a ticket store holds at least one ticket")
        self._clock = clock if clock is not None else SystemClock()
        self._ttl = ttl
        self._limit = limit
        # Issue order is expiry order while the clock runs forward, so the oldest comes first.
        self._tickets: OrderedDict[str, tuple[str, Any, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self, kind: str, payload: Any) -> str:
        """Store `payload` under a new random token, redeemable once as `kind`."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock.now()
        with self._lock:
            self._forget_expired(now)
            while len(self._tickets) >= self._limit:
                self._tickets.popitem(last=False)
            self._tickets[token] = (kind, payload, now + self._ttl)
        return token

    def redeem(self, token: str, kind: str) -> Any | None:
        """The payload of a live ticket of this kind, removed so it works only once; else None."""
        now = self._clock.now()
        with self._lock:
            self._forget_expired(now)
            found = self._tickets.get(token)
            # A ticket presented as the wrong kind stays: a page posting to the wrong place
            # does not cost the person their ticket, and guessing a token is hopeless anyway.
            if found is None or found[0] != kind:
                return None
            del self._tickets[token]
        _, payload, expires = found
        # Checked here too: a wall clock set back can leave an expired ticket behind a live one.
        return payload if expires > now else None

    def __len__(self) -> int:
        """How many tickets are held, expired ones included until the next issue or redeem."""
        with self._lock:
            return len(self._tickets)

    def _forget_expired(self, now: datetime) -> None:
        while self._tickets:
            _, (_, _, expires) = next(iter(self._tickets.items()))
            if expires > now:
                return
            self._tickets.popitem(last=False)
