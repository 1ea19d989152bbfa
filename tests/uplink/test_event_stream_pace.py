"""The uplink's replay keeps the pace it is given, however often the centre's acknowledgements
wake it: a locker told to replay two records a second sends two a second, not ten."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from locker.store import SqliteStore
from locker.uplink.event_stream import EventStream
from locker.wire.events import event_bytes

RECORDS = 12


class FrozenClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def a_log(db_path: Path) -> None:
    with SqliteStore(db_path) as store, store.transaction():
        for n in range(RECORDS):
            store.append_audit(
                "test", "note", f"n{n}", {"n": n}, datetime(2026, 11, 11, 9, n, tzinfo=UTC)
            )


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def test_acknowledgements_do_not_speed_the_replay_past_its_pace(db_path: Path) -> None:
    a_log(db_path)
    clock = FrozenClock()
    sent: list[int] = []
    lock = threading.Lock()

    def publish(data: bytes) -> bool:
        with lock:
            sent.append(len(sent) + 1)
        # The centre stores it at once and says so, which wakes the stream.
        stream.acknowledged(len(sent))
        return True

    stream = EventStream(lambda: SqliteStore(db_path), publish, per_second=2, clock=clock)
    stream.start()
    try:
        stream.connected()
        assert wait_for(lambda: len(sent) == 1)
        time.sleep(0.5)
        # The clock has not moved: however many acknowledgements woke it, nothing more is due.
        assert len(sent) == 1

        clock.now += 0.5
        stream.appended()
        assert wait_for(lambda: len(sent) == 2)
        time.sleep(0.3)
        assert len(sent) == 2
    finally:
        stream.stop()


def test_a_fast_pace_sends_the_whole_log_in_bursts(db_path: Path) -> None:
    a_log(db_path)
    published: list[bytes] = []

    def publish(data: bytes) -> bool:
        published.append(data)
        return True

    stream = EventStream(lambda: SqliteStore(db_path), publish, per_second=200)
    stream.start()
    try:
        stream.connected()
        assert wait_for(lambda: len(published) == RECORDS)
        with SqliteStore(db_path) as store:
            assert published == [event_bytes(r) for r in store.audit_records_after(0, RECORDS)]
    finally:
        stream.stop()
