"""Fleet couriers' rows: the centre's ids and the locker's own never meet in the couriers table."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from locker.domain.courier_ids import LAST_LOCAL_ID
from locker.domain.fleet_courier import FleetCourier
from locker.store import SqliteStore, StoreError
from locker.store.connection import connect
from locker.store.migrations import apply_migrations

AT = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
FLEET = FleetCourier(
    id=10_000_001,
    carrier="SF Express",
    name="Wang Fang",
    pin_hash="scrypt$pin-1",
    badge_hash="a" * 64,
    badge_issued_at=AT,
    active=True,
    revision=1,
)


def test_an_older_database_keeps_its_couriers_as_the_lockers_own(tmp_path):
    path = tmp_path / "old.db"
    old = connect(path)
    apply_migrations(old, stop_before="m011_fleet_couriers")
    old.execute(
        "INSERT INTO couriers (carrier, name, pin_hash, created_at) "
        "VALUES ('SF', 'Li', 'x', '2020-01-01T00:00:00+00:00')"
    )
    old.close()
    with SqliteStore(path) as store:
        assert store.migrated == ["m011_fleet_couriers"]
        assert store.courier(1).fleet_revision is None
        assert store.fleet_courier(1) is None


def test_local_couriers_are_numbered_below_the_fleet_ids_after_a_fleet_courier_came(store):
    first = store.add_courier("SF", "Li", "h", AT)
    store.put_fleet_courier(FLEET, AT)
    second = store.add_courier("SF", "Zhao", "h", AT)
    # SQLite alone would have given the row after 10,000,001 the id 10,000,002: a fleet id.
    assert (first.id, second.id) == (1, 2)
    assert [c.id for c in store.couriers()] == [1, 2, FLEET.id]
    assert store.courier(FLEET.id).fleet_revision == 1
    assert store.courier(second.id).fleet_revision is None


def test_a_locker_with_no_local_id_left_refuses_a_new_courier(store):
    store.db.execute(
        "INSERT INTO couriers (id, carrier, name, pin_hash, created_at) "
        "VALUES (?, 'SF', 'x', 'h', ?)",
        [LAST_LOCAL_ID, AT.isoformat()],
    )
    with pytest.raises(StoreError, match="no courier id"):
        store.add_courier("SF", "Li", "h", AT)
    assert [c.id for c in store.couriers()] == [LAST_LOCAL_ID]


def test_a_fleet_courier_is_stored_and_read_back_as_granted(store):
    store.put_fleet_courier(FLEET, AT)
    assert store.fleet_courier(FLEET.id) == FLEET
    assert store.courier_pin_hash(FLEET.id) == "scrypt$pin-1"
    assert store.courier_badge_hash(FLEET.id) == "a" * 64
    assert store.courier_badge_issued_at(FLEET.id) == AT


def test_a_later_grant_without_a_badge_keeps_the_badge_the_locker_holds(store):
    store.put_fleet_courier(FLEET, AT)
    later = replace(FLEET, name="Wang F.", badge_hash=None, badge_issued_at=None, revision=2)
    store.put_fleet_courier(later, AT + timedelta(days=1))
    assert store.fleet_courier(FLEET.id) == replace(later, badge_hash="a" * 64, badge_issued_at=AT)
    new_badge = replace(later, badge_hash="b" * 64, badge_issued_at=AT + timedelta(days=2))
    store.put_fleet_courier(replace(new_badge, revision=3), AT)
    assert store.courier_badge_hash(FLEET.id) == "b" * 64
    assert store.courier_badge_issued_at(FLEET.id) == AT + timedelta(days=2)


def test_a_disabled_fleet_courier_is_kept_with_its_revision(store):
    store.put_fleet_courier(replace(FLEET, active=False, revision=4), AT)
    assert store.courier(FLEET.id).active is False
    assert store.fleet_courier(FLEET.id).revision == 4
    assert store.courier_pin_hash(FLEET.id) is None  # no login for a disabled account


def test_a_fleet_row_never_overwrites_the_lockers_own_courier(store):
    # An id the locker gave before the ranges were split: SQLite numbers past any row.
    store.db.execute(
        "INSERT INTO couriers (id, carrier, name, pin_hash, created_at) "
        "VALUES (?, 'ZTO', 'Local', 'local-hash', ?)",
        [FLEET.id, AT.isoformat()],
    )
    with pytest.raises(StoreError, match="own courier"):
        store.put_fleet_courier(FLEET, AT)
    assert store.courier_pin_hash(FLEET.id) == "local-hash"
    assert store.courier(FLEET.id).fleet_revision is None
    assert store.fleet_courier(FLEET.id) is None


def test_only_a_fleet_id_is_stored_as_a_fleet_courier(store):
    with pytest.raises(StoreError, match="fleet id"):
        store.put_fleet_courier(replace(FLEET, id=7), AT)
    assert store.couriers() == []
