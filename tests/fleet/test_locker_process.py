"""Real `locker run --demo` processes on a real broker: seen by the centre, resumed after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from locker.centre.ingest import Ingest
from locker.centre.schema import events
from locker.centre.store import CentreStore
from locker.store import SqliteStore
from locker.wire.keys import public_text
from tests.fleet.conftest import USERS, wait_for
from tests.support.mosquitto import Broker, free_port
from tests.wire.fleet_keys import FleetKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
LOCKER = Path(sys.executable).with_name("locker")


class LockerProcess:
    """`locker run --demo` with an uplink to the test broker."""

    def __init__(
        self,
        db: Path,
        tmp: Path,
        broker: Broker,
        fleet: FleetKeys,
        per_second: int = 200,
        demo_id: str = "DEMO-001",
    ) -> None:
        self.db, self.log = db, tmp / f"{db.stem}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
        env.update(
            LOCKER_DB=str(db),
            LOCKER_LOCK_DIR=str(tmp),
            LOCKER_MQTT_HOST="127.0.0.1",
            LOCKER_MQTT_PORT=str(broker.port),
            LOCKER_MQTT_USERNAME="locker-1",
            LOCKER_MQTT_PASSWORD=USERS["locker-1"],
            LOCKER_MQTT_KEEPALIVE_SECONDS="5",
            LOCKER_FLEET_ROOT_KEY=public_text(fleet.root.public_key()),
            LOCKER_UPLINK_REPLAY_PER_SECOND=str(per_second),
            LOCKER_DEMO_ID=demo_id,
        )
        self.port = free_port()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(LOCKER), "run", "--demo", "--port", str(self.port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def serves(self) -> bool:
        """The kiosk's home page loads."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5) as page:
                return page.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: as a power cut."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def lockers(
    tmp_path: Path, broker: Broker, fleet: FleetKeys
) -> Iterator[Callable[..., LockerProcess]]:
    started: list[LockerProcess] = []

    def start(db: Path, per_second: int = 200) -> LockerProcess:
        process = LockerProcess(db, tmp_path, broker, fleet, per_second)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def head(db: Path) -> int:
    if not db.exists():
        return 0  # opening it would make an empty database, which the demo refuses
    with SqliteStore(db) as store:
        found = store.audit_head()
        return found[0] if found else 0


def stored(centre_db: str, locker_id: str) -> list[int]:
    store = CentreStore(centre_db)
    try:
        with store.engine.connect() as connection:
            return list(
                connection.execute(
                    select(events.c.seq)
                    .where(events.c.locker_id == locker_id)
                    .order_by(events.c.seq)
                ).scalars()
            )
    finally:
        store.close()


def locker_row(centre_db: str, locker_id: str) -> dict[str, object] | None:
    store = CentreStore(centre_db)
    try:
        return next((row for row in store.lockers() if row["locker_id"] == locker_id), None)
    finally:
        store.close()


def test_a_running_locker_is_online_at_the_centre_with_its_state_and_its_log(
    tmp_path: Path,
    lockers: Callable[..., LockerProcess],
    start_centre: Callable[[str], Ingest],
    centre_db: str,
) -> None:
    start_centre("centre-a")
    locker = lockers(tmp_path / "demo.db")
    assert wait_for(locker.serves)

    assert wait_for(lambda: (locker_row(centre_db, "DEMO-001") or {}).get("state") is not None)
    row = locker_row(centre_db, "DEMO-001")
    assert row is not None and row["online"]
    assert wait_for(lambda: stored(centre_db, "DEMO-001") == list(range(1, head(locker.db) + 1)))

    locker.stop()
    assert wait_for(lambda: not (locker_row(centre_db, "DEMO-001") or {}).get("online"))


def test_a_locker_killed_mid_stream_resumes_from_its_cursor(
    tmp_path: Path,
    lockers: Callable[..., LockerProcess],
    start_centre: Callable[[str], Ingest],
    centre_db: str,
) -> None:
    start_centre("centre-a")
    db = tmp_path / "demo.db"
    locker = lockers(db, per_second=10)
    assert wait_for(lambda: len(stored(centre_db, "DEMO-001")) >= 3)
    assert wait_for(locker.serves)
    locker.kill()
    partial = len(stored(centre_db, "DEMO-001"))
    assert partial < head(db)

    lockers(db, per_second=200)

    assert wait_for(lambda: stored(centre_db, "DEMO-001") == list(range(1, head(db) + 1)))
    with SqliteStore(db) as store:
        assert wait_for(lambda: store.uplink_acked_seq() == head(db))


def test_the_kiosk_serves_with_the_broker_down_and_catches_up_when_it_returns(
    tmp_path: Path,
    broker: Broker,
    lockers: Callable[..., LockerProcess],
    start_centre: Callable[[str], Ingest],
    centre_db: str,
) -> None:
    broker.stop()
    locker = lockers(tmp_path / "demo.db")
    assert wait_for(locker.serves)

    broker.start()
    start_centre("centre-a")

    assert wait_for(lambda: stored(centre_db, "DEMO-001") == list(range(1, head(locker.db) + 1)))
