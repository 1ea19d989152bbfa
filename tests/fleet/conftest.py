"""A real broker, a locker's store and uplink, and centre processes for the fleet's tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.centre import serve
from locker.centre.ingest import Ingest
from locker.centre.service_identity import make_service_identity
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore
from locker.services.context import LockerContext
from locker.store import SqliteStore
from locker.uplink.event_stream import RESEND_AFTER_S
from locker.uplink.uplink import Uplink
from locker.wire.broker_link import BrokerAddress
from tests.support.mosquitto import Broker
from tests.wire.fleet_keys import FleetKeys, fleet_keys

USERS = {
    "locker-1": "l1-secret",
    "locker-2": "l2-secret",
    "TEST-01": "t1-secret",
    "centre": "centre-secret",
}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A Mosquitto broker with lockers' and the centre's users, stopped after the test."""
    running = Broker(tmp_path / "broker", USERS)
    running.start()
    yield running
    running.stop()


def locker_address(broker: Broker, locker_id: str) -> BrokerAddress:
    """How locker `locker-N` reaches the broker."""
    return BrokerAddress(
        "127.0.0.1", broker.port, locker_id, locker_id, USERS[locker_id], keepalive_s=5
    )


def centre_address(broker: Broker, name: str) -> BrokerAddress:
    """How a centre process reaches the broker: a clean start, no session kept."""
    return BrokerAddress(
        "127.0.0.1", broker.port, name, "centre", USERS["centre"], persistent=False
    )


def append_events(db: Path, count: int, start: int = 0) -> None:
    """Append `count` audit records to the locker's log."""
    with SqliteStore(db) as store:
        for n in range(start, start + count):
            with store.transaction():
                store.append_audit("admin:ops", "test.event", str(n), {"n": n}, datetime.now(UTC))


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Poll a condition that another process or thread will make true."""
    done = threading.Event()
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return True
        done.wait(0.05)
    return condition()


@pytest.fixture(scope="session")
def sounds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of the demo doors' sound clips for every `locker run --demo` of the run:
    making them with espeak-ng took each locker process a second or two before it served."""
    return tmp_path_factory.mktemp("sounds")


@pytest.fixture
def centre_db(tmp_path: Path) -> str:
    """The URL of the centre's SQLite store."""
    return f"sqlite:///{tmp_path / 'centre.db'}"


@pytest.fixture
def start_centre(broker: Broker, centre_db: str) -> Iterator[Callable[[str], Ingest]]:
    """Start centre ingest processes by name; all stopped after the test."""
    started: list[Ingest] = []

    def start(name: str) -> Ingest:
        ingest = Ingest(lambda: CentreStore(centre_db), centre_address(broker, name)).start()
        started.append(ingest)
        # Subscribed, not only connected: a locker's records sent before the centre's shared
        # subscriptions are granted reach nobody, and come again only after the locker's resend.
        assert ingest.link.subscribed.wait(10)
        return ingest

    yield start
    for ingest in started:
        ingest.stop()


@pytest.fixture
def fleet() -> FleetKeys:
    """The fleet's root and its certified operators and centre."""
    return fleet_keys()


@pytest.fixture
def start_uplink(broker: Broker, fleet: FleetKeys) -> Iterator[Callable[..., Uplink]]:
    """Start a locker's uplink over its database; all stopped after the test."""
    started: list[Uplink] = []

    def start(
        db: Path,
        locker_id: str,
        make_context: Callable[[], LockerContext] | None = None,
        opens_per_hour: int = 3,
        resend_after_s: float = RESEND_AFTER_S,
    ) -> Uplink:
        # The locker's store exists before its uplink starts, as in `start_locker`.
        SqliteStore(db).close()
        uplink = Uplink(
            locker_address(broker, locker_id),
            locker_id,
            lambda: SqliteStore(db),
            make_context or (lambda: LockerContext(store=SqliteStore(db), board=InMemoryBoard())),
            fleet.root.public_key(),
            1000,
            opens_per_hour,
            resend_after_s=resend_after_s,
        ).start()
        started.append(uplink)
        return uplink

    yield start
    for uplink in started:
        uplink.stop()


@pytest.fixture
def service_centre(
    tmp_path: Path, broker: Broker, fleet: FleetKeys, centre_db: str
) -> Iterator[Callable[..., serve.Centre]]:
    """Start the whole centre in this process with its service identity, knowing the lockers
    named as offline; stopped after the test."""
    started: list[serve.Centre] = []

    def start(*offline: str) -> serve.Centre:
        make_service_identity(fleet.root, tmp_path / "centre", int(time.time()) - 60)
        store = CentreStore(centre_db)
        for locker_id in offline:
            store.note_status(locker_id, False, time.time())
        store.close()
        settings = CentreSettings(
            fleet_db=centre_db,
            mqtt_port=broker.port,
            mqtt_username="centre",
            mqtt_password=USERS["centre"],
            identity_dir=tmp_path / "centre",
            session_secret_file=tmp_path / "centre" / "session.key",
            language="en",
        )
        running = serve.start_centre(settings)
        started.append(running)
        assert wait_for(running.ready, 10)
        return running

    yield start
    for running in started:
        running.stop()
