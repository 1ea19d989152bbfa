#!/usr/bin/env python3
"""Lockers' events to the centre through a real Mosquitto: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_fleet.py [--lockers 2] [--rate 20] [--events 600] [--outage 60]

Each locker is a real SQLite file (synchronous=FULL) with the locker's uplink (`Uplink`, as
`locker run` starts it); the centre is one ingest process on its own SQLite store. Audit records
are appended at `--rate` a second per locker, as busy lockers write them.

- Event to stored row: from the record's append to the centre's committed insert; median, p99.
- Backlog: the broker is stopped for `--outage` seconds while the lockers go on, then started:
  the time until the centre holds every record, and how many were lost or stored twice.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from locker.boards.in_memory import InMemoryBoard  # noqa: E402
from locker.centre.ingest import Ingest  # noqa: E402
from locker.centre.schema import events  # noqa: E402
from locker.centre.store import CentreStore  # noqa: E402
from locker.services.context import LockerContext  # noqa: E402
from locker.store import SqliteStore  # noqa: E402
from locker.uplink.uplink import Uplink  # noqa: E402
from locker.wire.broker_link import BrokerAddress  # noqa: E402
from locker.wire.keys import new_private_key  # noqa: E402
from tests.support.mosquitto import Broker  # noqa: E402

USERS = {"locker": "locker-secret", "centre": "centre-secret"}
REPLAY_PER_SECOND = 200.0


class Appender(threading.Thread):
    """Appends audit records to one locker's log at a steady rate until stopped."""

    def __init__(self, db: Path, rate: float) -> None:
        super().__init__(daemon=True)
        self.db, self.rate = db, rate
        self.appended = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        with SqliteStore(self.db) as store:
            start = time.monotonic()
            while not self.stop_event.is_set():
                with store.transaction():
                    store.append_audit("bench", "bench.event", str(self.appended), {}, now())
                self.appended += 1
                due = start + self.appended / self.rate
                self.stop_event.wait(max(0.0, due - time.monotonic()))


def now() -> datetime:
    return datetime.now(UTC)


def start_lockers(tmp: Path, broker: Broker, count: int) -> list[tuple[str, Path, Uplink]]:
    root = new_private_key().public_key()
    lockers = []
    for n in range(1, count + 1):
        locker_id, db = f"BENCH-{n:03d}", tmp / f"locker-{n}.db"
        SqliteStore(db).close()
        address = BrokerAddress(
            "127.0.0.1", broker.port, locker_id, "locker", USERS["locker"], keepalive_s=5
        )
        uplink = Uplink(
            address,
            locker_id,
            lambda db=db: SqliteStore(db),  # type: ignore[misc]
            lambda db=db: LockerContext(store=SqliteStore(db), board=InMemoryBoard()),  # type: ignore[misc]
            root,
            REPLAY_PER_SECOND,
            3,
        ).start()
        lockers.append((locker_id, db, uplink))
    return lockers


def stored_count(store: CentreStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(events)).scalar_one())


def latencies(store: CentreStore, ingest: Ingest) -> list[float]:
    """Seconds from each record's append (its `at`) to the centre's commit."""
    found = []
    with store.engine.connect() as connection:
        for row in connection.execute(select(events.c.locker_id, events.c.seq, events.c.at)):
            stored_at = ingest.counts.stored_at.get((row.locker_id, row.seq))
            if stored_at is not None:
                found.append(stored_at - datetime.fromisoformat(row.at).timestamp())
    return found


def wait_until(condition: object, timeout_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if condition():  # type: ignore[operator]
            return time.monotonic() - start
        time.sleep(0.05)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lockers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=20.0, help="records a second per locker")
    parser.add_argument("--events", type=int, default=600, help="records per locker, timed")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the broker is down")
    args = parser.parse_args()
    # The uplink's "lost the broker" warnings are the point of the outage, not news.
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        broker = Broker(tmp / "broker", USERS)
        broker.start()
        centre_url = f"sqlite:///{tmp / 'centre.db'}"
        store = CentreStore(centre_url)
        address = BrokerAddress(
            "127.0.0.1", broker.port, "centre-1", "centre", USERS["centre"], persistent=False
        )
        ingest = Ingest(lambda: CentreStore(centre_url), address, keep_times=True).start()
        ingest.link.connected.wait(10)
        lockers = start_lockers(tmp, broker, args.lockers)
        for _, _, uplink in lockers:
            uplink.link.subscribed.wait(10)
        print(
            f"Mosquitto 127.0.0.1:{broker.port}; {args.lockers} lockers appending "
            f"{args.rate:g} records/s each; one centre ingest on SQLite"
        )

        appenders = [Appender(db, args.rate) for _, db, _ in lockers]
        for appender in appenders:
            appender.start()
        wait_until(lambda: all(a.appended >= args.events for a in appenders), 3600)
        for appender in appenders:
            appender.stop_event.set()
            appender.join()
        total = sum(a.appended for a in appenders)
        wait_until(lambda: stored_count(store) >= total, 120)
        timed = sorted(latencies(store, ingest))
        print(
            f"Event to stored row ({len(timed)} records): median "
            f"{statistics.median(timed) * 1000:.1f} ms, p99 "
            f"{timed[int(len(timed) * 0.99) - 1] * 1000:.1f} ms, max {timed[-1] * 1000:.1f} ms"
        )

        appenders = [Appender(db, args.rate) for _, db, _ in lockers]
        broker.stop()
        for appender in appenders:
            appender.start()
        time.sleep(args.outage)
        for appender in appenders:
            appender.stop_event.set()
            appender.join()
        backlog = sum(a.appended for a in appenders)
        total += backlog
        broker.start()
        drained = wait_until(lambda: stored_count(store) >= total, 1200)
        time.sleep(2)
        stored = stored_count(store)
        heads = []
        for _, db, _ in lockers:
            with SqliteStore(db) as locker_store:
                heads.append(
                    locker_store.db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
                )
        print(
            f"Backlog of {backlog} records ({args.outage:g} s outage, {args.lockers} lockers): "
            f"drained in {drained:.1f} s after the broker returned; lost "
            f"{sum(heads) - stored}, stored twice 0 by key ({ingest.counts.events - stored} "
            "repeats received and skipped)"
        )
        for _, _, uplink in lockers:
            uplink.stop()
        ingest.stop()
        store.close()
        broker.stop()


if __name__ == "__main__":
    main()
