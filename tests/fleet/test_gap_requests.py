"""A gap the locker does not know of (the centre restored from a backup) is asked for and filled."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, select, update

from locker.centre.gap_requests import GapRequests
from locker.centre.ingest import Ingest
from locker.centre.schema import events, lockers
from locker.centre.service_identity import make_service_identity
from locker.centre.store import CentreStore
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from tests.fleet.centre_reads import locker_row
from tests.fleet.conftest import append_events, wait_for
from tests.wire.fleet_keys import FleetKeys


def restore_old_backup(centre_db: str, locker_id: str, keep: int) -> None:
    """The centre's store as it was when it held only the first `keep` records."""
    store = CentreStore(centre_db)
    with store.engine.begin() as connection:
        kept_hash = connection.execute(
            select(events.c.hash).where(events.c.locker_id == locker_id, events.c.seq == keep)
        ).scalar_one()
        connection.execute(
            delete(events).where(events.c.locker_id == locker_id, events.c.seq > keep)
        )
        connection.execute(
            update(lockers)
            .where(lockers.c.locker_id == locker_id)
            .values(stored_seq=keep, verified_seq=keep, verified_hash=kept_hash)
        )
    store.close()


def stored_through(centre_db: str, locker_id: str) -> int:
    row = locker_row(centre_db, locker_id)
    return int(row["stored_seq"]) if row else 0  # type: ignore[call-overload]


def test_a_lasting_gap_is_asked_for_under_the_service_key_and_filled(
    tmp_path: Path,
    fleet: FleetKeys,
    start_centre: Callable[[str], Ingest],
    start_uplink: Callable[..., Uplink],
    centre_db: str,
) -> None:
    db = tmp_path / "locker.db"
    append_events(db, 20)
    centre = start_centre("centre-a")
    start_uplink(db, "locker-1")
    with SqliteStore(db) as store:
        assert wait_for(lambda: store.uplink_acked_seq() == 20)

    restore_old_backup(centre_db, "locker-1", keep=5)
    append_events(db, 5, start=20)
    assert wait_for(lambda: len(CentreStore(centre_db).gaps_older_than(time.time())) == 1)
    assert stored_through(centre_db, "locker-1") == 5

    identity = make_service_identity(fleet.root, tmp_path / "service", int(time.time()) - 60)
    asked = GapRequests(CentreStore(centre_db), identity, centre.link.publish, grace_s=0).check()

    assert asked == [("locker-1", 6)]
    # The locker audits the request itself: record 26.
    assert wait_for(lambda: stored_through(centre_db, "locker-1") == 26)
    assert CentreStore(centre_db).gaps_older_than(time.time()) == []
    assert CentreStore(centre_db).open_alarms() == []
