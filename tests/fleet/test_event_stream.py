"""Every audit record reaches the centre once, in order, whatever happens to the broker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from locker.centre.ingest import Ingest
from locker.centre.store import CentreStore
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from tests.fleet.centre_reads import stored
from tests.fleet.conftest import append_events, wait_for
from tests.support.mosquitto import Broker


def acked(db: Path) -> int:
    with SqliteStore(db) as store:
        return store.uplink_acked_seq()


def test_every_record_reaches_the_centre_and_the_cursor_follows_its_ack(
    tmp_path: Path,
    start_centre: Callable[[str], Ingest],
    start_uplink: Callable[[Path, str], Uplink],
    centre_db: str,
) -> None:
    db = tmp_path / "locker.db"
    append_events(db, 40)
    start_centre("centre-a")
    start_uplink(db, "locker-1")

    assert wait_for(lambda: acked(db) == 40)
    assert stored(centre_db, "locker-1") == list(range(1, 41))
    assert CentreStore(centre_db).verify_chains(["locker-1"]) == []


def test_without_the_centre_the_cursor_does_not_move(
    tmp_path: Path, start_uplink: Callable[[Path, str], Uplink]
) -> None:
    db = tmp_path / "locker.db"
    append_events(db, 5)
    uplink = start_uplink(db, "locker-1")

    assert wait_for(lambda: uplink.events.sent >= 5)
    assert acked(db) == 0


def test_a_broker_stopped_under_traffic_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path,
    broker: Broker,
    start_centre: Callable[[str], Ingest],
    start_uplink: Callable[[Path, str], Uplink],
    centre_db: str,
) -> None:
    db = tmp_path / "locker.db"
    start_centre("centre-a")
    # What the restarted broker took before the centre subscribed again comes again after a
    # second, not after the locker's ten.
    start_uplink(db, "locker-1", resend_after_s=1.0)
    append_events(db, 30)
    broker.stop()
    append_events(db, 30, start=30)
    broker.start()
    append_events(db, 30, start=60)

    assert wait_for(lambda: acked(db) == 90, timeout_s=60)
    assert stored(centre_db, "locker-1") == list(range(1, 91))
    assert CentreStore(centre_db).open_alarms() == []


def test_with_two_centre_processes_one_stopping_the_other_keeps_ingesting(
    tmp_path: Path,
    start_centre: Callable[[str], Ingest],
    start_uplink: Callable[[Path, str], Uplink],
    centre_db: str,
) -> None:
    first, second = tmp_path / "one.db", tmp_path / "two.db"
    a = start_centre("centre-a")
    start_centre("centre-b")
    start_uplink(first, "locker-1")
    start_uplink(second, "locker-2")
    append_events(first, 20)
    append_events(second, 20)
    assert wait_for(lambda: acked(first) == 20 and acked(second) == 20)

    a.stop()
    append_events(first, 20, start=20)
    append_events(second, 20, start=20)

    assert wait_for(lambda: acked(first) == 40 and acked(second) == 40, timeout_s=60)
    assert stored(centre_db, "locker-1") == list(range(1, 41))
    assert stored(centre_db, "locker-2") == list(range(1, 41))


def test_a_record_edited_on_the_box_after_it_was_published_is_flagged_as_a_fork(
    tmp_path: Path,
    start_centre: Callable[[str], Ingest],
    start_uplink: Callable[[Path, str], Uplink],
    centre_db: str,
) -> None:
    db = tmp_path / "locker.db"
    append_events(db, 10)
    start_centre("centre-a")
    uplink = start_uplink(db, "locker-1")
    assert wait_for(lambda: acked(db) == 10)
    uplink.stop()

    with SqliteStore(db) as store, store.transaction():
        # Someone with the box's root password: the append-only trigger is no obstacle.
        store.db.execute("DROP TRIGGER audit_log_no_update")
        store.db.execute(
            "UPDATE audit_log SET details = '{\"n\": 99}', hash = ? WHERE seq = 4", ["a" * 64]
        )
        store.rewind_uplink_ack(0)
    start_uplink(db, "locker-1")

    assert wait_for(
        lambda: any(a["kind"] == "chain_fork" for a in CentreStore(centre_db).open_alarms())
    )
    assert stored(centre_db, "locker-1") == list(range(1, 11))
