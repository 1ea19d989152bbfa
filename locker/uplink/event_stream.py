"""The audit log, record by record and in order, to the centre; the cursor moves on its ack only.

The broker's PUBACK proves only that the broker has a record, not that the centre stored it.
So the stream keeps a window of records sent but not yet acknowledged by the centre, and when
the centre's acknowledgement stops moving it sends again from the cursor: the centre stores
each (locker, seq) once, so a repeat costs nothing but bandwidth.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from locker.domain.audit_chain import AuditRecord
from locker.wire.events import event_bytes

log = logging.getLogger(__name__)

# Records in flight beyond the acknowledged cursor.
WINDOW = 500
# With no progress from the centre this long, the unacknowledged records go again.
RESEND_AFTER_S = 10.0
# The stream's pace is kept per tick: at most replay-rate × tick records each, and a tick is
# long enough for one record at the slowest rates.
TICK_S = 0.1
IDLE_POLL_S = 0.1


class EventStore(Protocol):
    """What the stream needs of the locker's store."""

    def transaction(self) -> AbstractContextManager[None]: ...
    def uplink_acked_seq(self) -> int: ...
    def move_uplink_ack(self, seq: int) -> int: ...
    def rewind_uplink_ack(self, seq: int) -> int: ...
    def audit_records_after(self, seq: int, limit: int) -> list[AuditRecord]: ...
    def close(self) -> None: ...


class EventStream:
    """Sends the audit log after the acknowledged cursor, at a bounded pace, oldest first."""

    def __init__(
        self,
        make_store: Callable[[], EventStore],
        publish: Callable[[bytes], bool],
        per_second: float,
        window: int = WINDOW,
        resend_after_s: float = RESEND_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make_store = make_store
        self._publish = publish
        self._tick_s = max(TICK_S, 1.0 / per_second)
        self._burst = max(1, round(per_second * self._tick_s))
        self._due_at = float("-inf")
        self._window = window
        self._resend_after_s = resend_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._heard = 0
        self._connected = False
        self._restart = True
        self._rewind_to: int | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.acked = 0
        self.sent = 0

    def start(self) -> EventStream:
        """Stream on a daemon thread with its own store connection."""
        self._thread = threading.Thread(target=self._run, name="uplink-events", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the record in hand."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def connected(self) -> None:
        """The broker is back: send again from the acknowledged cursor."""
        with self._lock:
            self._connected = True
            self._restart = True
        self._wake.set()

    def disconnected(self) -> None:
        """The broker is gone: hold the stream."""
        with self._lock:
            self._connected = False

    def acknowledged(self, seq: int) -> None:
        """The centre has stored every record up to `seq`; from paho's thread, so no store work."""
        with self._lock:
            self._heard = max(self._heard, seq)
        self._wake.set()

    def rewind(self, seq: int) -> None:
        """The centre asked for the records after `seq` again: move the cursor back to it."""
        with self._lock:
            self._rewind_to = seq if self._rewind_to is None else min(seq, self._rewind_to)
        self._wake.set()

    def appended(self) -> None:
        """A new audit record exists: look now rather than at the next poll."""
        self._wake.set()

    def _run(self) -> None:
        store = self._open_store()
        if store is None:
            return
        try:
            self.acked = store.uplink_acked_seq()
            next_seq = self.acked + 1
            progress_at = self._clock()
            pause = IDLE_POLL_S
            while not self._stop.is_set():
                self._wake.wait(pause)
                self._wake.clear()
                try:
                    next_seq, progress_at, pause = self._step(store, next_seq, progress_at)
                except Exception:
                    log.exception("the uplink's event stream failed; trying again")
                    pause = IDLE_POLL_S
        finally:
            store.close()

    def _open_store(self) -> EventStore | None:
        """The stream's own connection; a busy or missing store is tried again, not fatal."""
        while not self._stop.is_set():
            try:
                return self._make_store()
            except Exception:
                log.exception("the uplink cannot open the store; trying again")
                self._stop.wait(1.0)
        return None

    def _step(
        self, store: EventStore, next_seq: int, progress_at: float
    ) -> tuple[int, float, float]:
        """One tick: keep the acknowledgement, then send what the window and pace allow."""
        with self._lock:
            heard, connected, restart = self._heard, self._connected, self._restart
            rewind_to, self._rewind_to, self._restart = self._rewind_to, None, False
        now = self._clock()
        if rewind_to is not None:
            with store.transaction():
                self.acked = store.rewind_uplink_ack(rewind_to)
            with self._lock:
                self._heard = min(self._heard, self.acked)
            heard, restart = min(heard, self.acked), True
        if heard > self.acked:
            with store.transaction():
                acked = store.move_uplink_ack(heard)
            if acked > self.acked:
                self.acked, progress_at = acked, now
        if not connected:
            return next_seq, progress_at, IDLE_POLL_S
        if restart or next_seq <= self.acked:
            next_seq, progress_at = self.acked + 1, now
        elif next_seq > self.acked + 1 and now - progress_at > self._resend_after_s:
            log.info("the centre has not acknowledged past %d: sending again", self.acked)
            next_seq, progress_at = self.acked + 1, now
        room = self.acked + self._window - (next_seq - 1)
        if room <= 0:
            return next_seq, progress_at, IDLE_POLL_S
        if now < self._due_at:
            # Woken early (an acknowledgement, a new record): the pace holds all the same.
            return next_seq, progress_at, min(self._due_at - now, self._tick_s)
        records = store.audit_records_after(next_seq - 1, min(room, self._burst))
        if records:
            self._due_at = now + self._tick_s
        for record in records:
            if not self._publish(event_bytes(record)):
                return next_seq, progress_at, IDLE_POLL_S
            next_seq = record.seq + 1
            self.sent += 1
        full = len(records) == min(room, self._burst)
        return next_seq, progress_at, self._tick_s if full else IDLE_POLL_S
