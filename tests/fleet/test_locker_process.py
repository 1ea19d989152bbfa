"""Real `locker run --demo` processes on a real broker: seen by the centre, resumed after a kill."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from locker.centre.ingest import Ingest
from locker.store import SqliteStore
from locker.wire.keys import public_text
from tests.fleet.centre_reads import head, locker_row, stored
from tests.fleet.conftest import USERS, wait_for
from tests.support.child_process import LockerCommand
from tests.support.mosquitto import Broker, free_port
from tests.wire.fleet_keys import FleetKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


class LockerProcess(LockerCommand):
    """`locker run --demo` with an uplink to the test broker."""

    def __init__(
        self,
        db: Path,
        tmp: Path,
        broker: Broker,
        fleet: FleetKeys,
        sounds: Path,
        per_second: int = 200,
        demo_id: str = "DEMO-001",
    ) -> None:
        self.db, self.port = db, free_port()
        env = dict(
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
            LOCKER_SOUNDS_DIR=str(sounds),
        )
        super().__init__(["run", "--demo", "--port", str(self.port)], env, tmp / f"{db.stem}.log")

    def serves(self) -> bool:
        """The kiosk's home page loads."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5) as page:
                return page.status == 200
        except OSError:
            return False


@pytest.fixture
def lockers(
    tmp_path: Path, broker: Broker, fleet: FleetKeys, sounds_dir: Path
) -> Iterator[Callable[..., LockerProcess]]:
    started: list[LockerProcess] = []

    def start(db: Path, per_second: int = 200) -> LockerProcess:
        process = LockerProcess(db, tmp_path, broker, fleet, sounds_dir, per_second)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


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
    # One record a second: the log takes a quarter of a minute to go, so the kill lands with
    # most of it unsent, however slowly a loaded machine starts the kiosk.
    locker = lockers(db, per_second=1)
    assert wait_for(lambda: len(stored(centre_db, "DEMO-001")) >= 3)
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
