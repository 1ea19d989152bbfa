"""A fleet locker's messages go through the centre: the code is erased only on its confirmation."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from locker.boards.in_memory import InMemoryBoard
from locker.centre.ingest import Ingest
from locker.centre.relay import MessageRelay
from locker.centre.schema import relayed_messages
from locker.centre.service_identity import make_service_identity
from locker.centre.store import CentreStore
from locker.composition.uplink import relay_channels
from locker.services.context import LockerContext, SystemClock
from locker.services.deliver_messages import deliver_next
from locker.store import SqliteStore
from locker.store.codec import time_text
from locker.uplink.uplink import Uplink
from tests.conftest import CourierActions
from tests.fleet.conftest import centre_address, wait_for
from tests.support.channels import RecordingChannel
from tests.support.mosquitto import Broker
from tests.wire.fleet_keys import FleetKeys

LOCKER = "TEST-01"


@pytest.fixture
def phone() -> RecordingChannel:
    """The recipient's phone, reached by the centre's SMS channel."""
    return RecordingChannel("sms")


@pytest.fixture
def centre(
    tmp_path: Path, broker: Broker, fleet: FleetKeys, centre_db: str, phone: RecordingChannel
) -> Iterator[MessageRelay]:
    identity = make_service_identity(fleet.root, tmp_path / "service", int(time.time()) - 60)
    links: list[Ingest] = []
    relay = MessageRelay(
        CentreStore(centre_db), {"sms": phone}, identity, lambda t, p: links[0].link.publish(t, p)
    )
    ingest = Ingest(
        lambda: CentreStore(centre_db), centre_address(broker, "centre-a"), relay=relay.received
    )
    links.append(ingest)
    ingest.start()
    relay.start()
    assert ingest.link.subscribed.wait(10)
    yield relay
    relay.stop()
    ingest.stop()


def outbox(db_path: Path) -> list[dict[str, object]]:
    with SqliteStore(db_path) as store:
        return store.outbox()


def test_a_message_is_delivered_by_the_centre_and_only_then_erased_on_the_locker(
    ctx: LockerContext,
    db_path: Path,
    board: InMemoryBoard,
    courier: CourierActions,
    start_uplink: Callable[..., Uplink],
    centre: MessageRelay,
    centre_db: str,
    phone: RecordingChannel,
) -> None:
    clock = SystemClock()
    ctx.clock = clock
    receipt = courier.deposit()
    uplink = start_uplink(
        db_path,
        LOCKER,
        make_context=lambda: LockerContext(store=SqliteStore(db_path), board=board, clock=clock),
    )
    assert uplink.link.subscribed.wait(10)
    worker = LockerContext(
        store=SqliteStore(db_path),
        board=board,
        clock=clock,
        channels=relay_channels({}, uplink.relay),
    )

    deliver_next(worker)

    assert wait_for(lambda: outbox(db_path)[0]["status"] == "sent")
    assert [m.sms.params["code"] for m in phone.sent if m.sms] == [receipt.code]
    [row] = outbox(db_path)
    assert receipt.code not in str(row["payload"]) and row["receipt"] == "centre"
    with CentreStore(centre_db).engine.connect() as connection:
        kept = connection.execute(select(relayed_messages)).one()
    assert kept.status == "delivered" and kept.payload is None

    # The confirmation lost, the locker relays again after its wait: one SMS, a new confirmation.
    eleven_minutes_ago = time_text(clock.now() - timedelta(minutes=11))
    with SqliteStore(db_path) as store, store.transaction():
        store.db.execute("UPDATE outbox SET status = 'relayed', sent_at = ?", [eleven_minutes_ago])
    deliver_next(worker)
    assert wait_for(lambda: outbox(db_path)[0]["status"] == "sent")
    assert len(phone.sent) == 1
    worker.store.close()  # type: ignore[attr-defined]


def test_with_the_broker_down_the_message_waits_with_its_code(
    ctx: LockerContext,
    db_path: Path,
    board: InMemoryBoard,
    courier: CourierActions,
    start_uplink: Callable[..., Uplink],
    broker: Broker,
) -> None:
    ctx.clock = SystemClock()
    receipt = courier.deposit()
    uplink = start_uplink(db_path, LOCKER)
    assert uplink.link.subscribed.wait(10)
    broker.stop()
    assert wait_for(lambda: not uplink.link.connected.is_set())
    worker = LockerContext(
        store=SqliteStore(db_path), board=board, channels=relay_channels({}, uplink.relay)
    )

    deliver_next(worker)

    [row] = outbox(db_path)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert receipt.code in json.loads(str(row["payload"])).values()
    worker.store.close()  # type: ignore[attr-defined]
