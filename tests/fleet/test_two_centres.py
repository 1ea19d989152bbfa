"""Two real lockers and two real centre processes on one broker: a centre killed loses nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fleet.centre_reads import head, locker_row, stored
from tests.fleet.conftest import USERS, append_events, wait_for
from tests.fleet.test_locker_process import LockerProcess
from tests.support.child_process import LockerCommand
from tests.support.mosquitto import Broker, free_port
from tests.wire.fleet_keys import FleetKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


class CentreProcess(LockerCommand):
    """`locker fleet serve` on the shared centre store."""

    def __init__(
        self, name: str, tmp: Path, broker: Broker, centre_db: str, notify: Path | None = None
    ) -> None:
        env = dict(
            CENTRE_FLEET_DB=centre_db,
            CENTRE_PORT=str(free_port()),
            CENTRE_MQTT_HOST="127.0.0.1",
            CENTRE_MQTT_PORT=str(broker.port),
            CENTRE_MQTT_USERNAME="centre",
            CENTRE_MQTT_PASSWORD=USERS["centre"],
            CENTRE_MQTT_CLIENT_ID=name,
            CENTRE_IDENTITY_DIR=str(tmp / name),
            CENTRE_SESSION_SECRET_FILE=str(tmp / name / "session.key"),
        )
        serve = ["fleet", "serve"] + (["--notify-config", str(notify)] if notify else [])
        super().__init__(serve, env, tmp / f"{name}.log")


@pytest.fixture
def processes(
    tmp_path: Path, broker: Broker, fleet: FleetKeys, centre_db: str, sounds_dir: Path
) -> Iterator[tuple[Callable[[str], CentreProcess], Callable[[Path, str], LockerProcess]]]:
    started: list[CentreProcess | LockerProcess] = []

    def centre(name: str) -> CentreProcess:
        process = CentreProcess(name, tmp_path, broker, centre_db)
        started.append(process)
        return process

    def locker(db: Path, locker_id: str) -> LockerProcess:
        process = LockerProcess(db, tmp_path, broker, fleet, sounds_dir, demo_id=locker_id)
        started.append(process)
        return process

    yield centre, locker
    for process in reversed(started):
        process.stop()


def test_a_centre_process_killed_leaves_the_other_ingesting_and_nothing_is_lost(
    tmp_path: Path,
    processes: tuple[Callable[[str], CentreProcess], Callable[[Path, str], LockerProcess]],
    centre_db: str,
) -> None:
    centre, locker = processes
    first, second = centre("centre-a"), centre("centre-b")
    one = locker(tmp_path / "one.db", "DEMO-001")
    two = locker(tmp_path / "two.db", "DEMO-002")
    # Only once each locker has made its database do we read it.
    assert wait_for(one.serves, 60) and wait_for(two.serves, 60)
    for process, locker_id in ((one, "DEMO-001"), (two, "DEMO-002")):
        assert wait_for(
            lambda p=process, i=locker_id: (
                bool(head(p.db)) and stored(centre_db, i) == list(range(1, head(p.db) + 1))
            ),
            60,
        )

    first.kill()
    append_events(one.db, 30)
    append_events(two.db, 30)
    for process, locker_id in ((one, "DEMO-001"), (two, "DEMO-002")):
        assert wait_for(
            lambda p=process, i=locker_id: stored(centre_db, i) == list(range(1, head(p.db) + 1)),
            60,
        )

    centre("centre-a")
    second.kill()
    append_events(one.db, 10)
    assert wait_for(lambda: stored(centre_db, "DEMO-001") == list(range(1, head(one.db) + 1)), 60)
    assert (locker_row(centre_db, "DEMO-002") or {}).get("online")
