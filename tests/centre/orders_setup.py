"""Carrier orders over a centre store with one online and one offline locker, for the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from locker.centre.carrier_orders import CarrierOrders
from locker.centre.schema import preadvices, reservations
from locker.centre.store import CentreStore
from locker.domain.audit_chain import AuditRecord, seal
from tests.centre.order_fakes import NOW, FakeClock, RecordingSender

ONLINE, OFFLINE = "L-ONLINE", "L-OFFLINE"
CARRIER = "acme"
TRACKING = "AC123456789CN"
PHONE = "13812345678"


@dataclass
class Desk:
    """The orders, and what they are built on."""

    orders: CarrierOrders
    store: CentreStore
    sender: RecordingSender
    clock: FakeClock

    def preadvise(self, **changes: Any) -> dict[str, Any]:
        """A pre-advice of TRACKING to the online locker, with any field changed."""
        args: dict[str, Any] = {
            "carrier": CARRIER,
            "tracking": TRACKING,
            "locker_id": ONLINE,
            "phone": PHONE,
            "size": "M",
            "low_door": False,
            "language": "en",
            "expected_at": int(NOW) + 3600,
        }
        args.update(changes)
        return self.orders.preadvise(**args)

    def rows(self) -> int:
        """Pre-advice and reservation rows stored."""
        with self.store.engine.connect() as connection:
            return sum(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (preadvices, reservations)
            )

    def preadvice_row(self) -> Any:
        """The last pre-advice row."""
        with self.store.engine.connect() as connection:
            return connection.execute(
                select(preadvices).order_by(preadvices.c.id.desc()).limit(1)
            ).first()

    def record(self, locker_id: str, action: str, details: dict[str, Any], at: float = NOW) -> None:
        """A locker's audit record about TRACKING, stored as the intake stores it, then handed to
        the orders as the intake's hook does."""
        previous = self.store.events_of(locker_id, 0, 10_000)
        record = stored_record(previous[-1] if previous else None, action, details, at)
        self.store.store_events([(locker_id, record)], self.clock())
        self.orders.on_records([(locker_id, record)])


def stored_record(
    previous: AuditRecord | None, action: str, details: dict[str, Any], at: float
) -> AuditRecord:
    """The locker's next audit record about TRACKING."""
    moment = datetime.fromtimestamp(at, UTC).isoformat()
    return seal(previous, moment, "system", action, TRACKING, details)


@contextmanager
def open_desk(url: str) -> Iterator[Desk]:
    """Fresh orders over a centre store (at the database URL) that knows both lockers."""
    store = CentreStore(url)
    store.note_status(ONLINE, True, NOW)
    store.note_status(OFFLINE, False, NOW)
    clock, sender = FakeClock(), RecordingSender()
    try:
        yield Desk(CarrierOrders(store, sender, clock), store, sender, clock)
    finally:
        store.close()
