"""A fleet locker's carrier events leave from the centre alone, with the locker's event ids."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.centre.service_identity import make_service_identity
from locker.composition.uplink import relay_channels
from locker.domain.models import Size
from locker.notify.webhook import WebhookChannel
from locker.notify.webhook_signature import sign
from locker.services.context import LockerContext, SystemClock
from locker.services.deposit_parcel import deposit_parcel
from locker.services.door_closed import door_closed
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from tests.conftest import CourierActions
from tests.fleet.conftest import wait_for
from tests.fleet.test_two_centres import CentreProcess
from tests.support.mosquitto import Broker
from tests.support.provider_server import ProviderServer
from tests.wire.fleet_keys import FleetKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SECRET = "acme-secret"
CARRIER = "SF Express"  # the test courier's carrier


def test_the_centre_calls_the_carrier_and_the_locker_does_not(
    tmp_path: Path,
    broker: Broker,
    fleet: FleetKeys,
    centre_db: str,
    ctx: LockerContext,
    db_path: Path,
    board: InMemoryBoard,
    courier: CourierActions,
    start_uplink: Callable[..., Uplink],
) -> None:
    with ProviderServer() as carrier:
        notify = tmp_path / "notify.toml"
        notify.write_text(
            f'[webhook_urls]\n"{CARRIER}" = "{carrier.url}/hooks"\n'
            f'[webhook_secrets]\n"{CARRIER}" = "{SECRET}"\n'
        )
        make_service_identity(fleet.root, tmp_path / "centre-a", int(time.time()) - 60)
        centre = CentreProcess("centre-a", tmp_path, broker, centre_db, notify)
        # The centre process subscribes while the locker already streams: what it missed comes
        # again after a second instead of the locker's ten.
        uplink = start_uplink(db_path, "TEST-01", resend_after_s=1.0)
        assert uplink.link.subscribed.wait(10)
        ctx.clock = SystemClock()
        # The locker's settings name the same webhook: in a fleet it is left to the centre.
        own = WebhookChannel({CARRIER: (f"{carrier.url}/locker", SECRET)}, 5)
        ctx.channels = relay_channels({"webhook": own}, uplink.relay)
        receipt = deposit_parcel(ctx, courier.id, "SF0000000009", "13812345678", Size.S)
        board.close_door(ctx.store.compartment(receipt.compartment).address, True)
        door_closed(ctx, receipt.compartment, True)
        with SqliteStore(db_path) as store:
            [shut_in] = [r for r in store.audit_records() if r.action == "parcel.shut_in"]
            assert not [row for row in store.outbox() if row["channel"] == "webhook"]

        assert wait_for(lambda: len(carrier.received) == 1, 30), centre.log.read_text()
        [call] = carrier.received
        assert call.path == "/hooks"
        assert call.headers["X-Locker-Event-Id"] == f"TEST-01:{shut_in.seq}"
        assert call.headers["X-Locker-Signature"] == sign(
            SECRET, call.headers["X-Locker-Timestamp"], call.body
        )
        body = call.json()
        assert (body["type"], body["tracking"], body["door"]) == (
            "parcel.deposited",
            "SF0000000009",
            receipt.compartment,
        )
        assert body["at"].endswith("+08:00")
        centre.stop()
