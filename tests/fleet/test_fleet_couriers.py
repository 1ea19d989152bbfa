"""A courier added once at the centre works at every chosen locker, through a real broker and
real lockers' uplinks: a locker away at the time gets the courier when it returns, and a
disabling reaches every locker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.centre.fleet_couriers import CourierDesk
from locker.centre.operators import OperatorSigner
from locker.centre.serve import Centre
from locker.centre.store import CentreStore
from locker.services.accounts import login_courier
from locker.services.context import LockerContext
from locker.services.errors import AuthenticationError
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from tests.fleet.conftest import wait_for
from tests.wire.fleet_keys import FleetKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

LOCKERS = ("locker-1", "locker-2")


@pytest.fixture
def centre(service_centre: Callable[..., Centre]) -> Centre:
    """A started centre with its service identity, knowing both lockers as offline."""
    return service_centre(*LOCKERS)


@pytest.fixture
def desk(centre_db: str) -> Iterator[CourierDesk]:
    store = CentreStore(centre_db)
    yield CourierDesk(store)
    store.close()


def logs_in(db: Path, courier_id: int, pin: str) -> bool:
    """Whether the locker lets the courier in with this PIN."""
    with SqliteStore(db) as store:
        ctx = LockerContext(store=store, board=InMemoryBoard())
        try:
            login_courier(ctx, courier_id, pin)
        except AuthenticationError:
            return False
        return True


def held(db: Path, courier_id: int) -> bool:
    with SqliteStore(db) as store:
        courier = store.courier(courier_id)
    return courier is not None and courier.active


def test_a_courier_added_once_works_at_both_lockers_and_is_disabled_at_both(
    centre: Centre,
    desk: CourierDesk,
    fleet: FleetKeys,
    start_uplink: Callable[..., Uplink],
    tmp_path: Path,
) -> None:
    admin = OperatorSigner(fleet.bob.certificate, fleet.bob.key)
    dbs = {locker_id: tmp_path / f"{locker_id}.db" for locker_id in LOCKERS}

    added = desk.add("SF Express", "Li Wei", None, admin)
    assert added.lockers == LOCKERS

    # locker-1 comes online and gets the courier; locker-2 is still away.
    first = start_uplink(dbs["locker-1"], "locker-1")
    assert wait_for(lambda: held(dbs["locker-1"], added.courier_id), 30)
    assert logs_in(dbs["locker-1"], added.courier_id, added.pin)
    assert not logs_in(dbs["locker-1"], added.courier_id, "00000000")

    # locker-2 returns later and gets the courier too.
    start_uplink(dbs["locker-2"], "locker-2")
    assert wait_for(lambda: held(dbs["locker-2"], added.courier_id), 30)
    assert logs_in(dbs["locker-2"], added.courier_id, added.pin)
    assert wait_for(lambda: desk.couriers()[0]["lockers"] == {"applied": 2}, 30)

    # locker-1 goes away; the courier is disabled; both lockers end up refusing them.
    first.stop()
    desk.disable(added.courier_id, admin)
    assert wait_for(lambda: not held(dbs["locker-2"], added.courier_id), 30)
    assert held(dbs["locker-1"], added.courier_id)  # away: it has not heard yet
    start_uplink(dbs["locker-1"], "locker-1")
    assert wait_for(lambda: not held(dbs["locker-1"], added.courier_id), 30)
    for db in dbs.values():
        assert not logs_in(db, added.courier_id, added.pin)
    assert wait_for(lambda: desk.couriers()[0]["lockers"] == {"applied": 2}, 30)
