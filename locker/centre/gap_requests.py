"""Gaps in a locker's stored log: after a grace period, ask the locker to send them again.

A locker resends by itself whenever its acknowledgement stalls, so a gap that lasts means the
locker believes the centre has what it lacks (the centre's store was restored from a backup,
or an acknowledgement was forged). The centre then signs `resend_events` with its service key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from locker.centre.service_identity import ServiceIdentity
from locker.centre.store import CentreStore
from locker.wire.topics import LockerTopics

log = logging.getLogger(__name__)

GRACE_S = 30.0


class GapRequests:
    """Checks for lasting gaps and asks for them; call `check` now and then."""

    def __init__(
        self,
        store: CentreStore,
        identity: ServiceIdentity,
        publish: Callable[[str, bytes], bool],
        grace_s: float = GRACE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._identity = identity
        self._publish = publish
        self._grace_s = grace_s
        self._clock = clock

    def check(self) -> list[tuple[str, int]]:
        """Ask each locker whose gap outlived the grace period; the (locker, from_seq) asked."""
        now = self._clock()
        asked = []
        for locker_id, from_seq in self._store.gaps_older_than(now - self._grace_s):
            command = self._identity.sign(
                locker_id, "resend_events", {"from_seq": from_seq}, int(now)
            )
            if self._publish(LockerTopics(locker_id).cmd, command):
                self._store.note_resend_asked(locker_id, now)
                asked.append((locker_id, from_seq))
                log.info("asked %s for its events from %d again", locker_id, from_seq)
        return asked
