"""`locker fleet serve --notify-config` delivers a fleet locker's e-mail through a real SMTP
server, and the locker erases the code only when the centre confirms it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.centre.service_identity import make_service_identity
from locker.composition.uplink import relay_channels
from locker.domain.models import Size
from locker.services.context import LockerContext, SystemClock
from locker.services.deliver_messages import deliver_next
from locker.services.deposit_parcel import deposit_parcel
from locker.services.door_closed import door_closed
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from tests.conftest import CourierActions
from tests.fleet.centre_reads import stored
from tests.fleet.conftest import wait_for
from tests.fleet.test_two_centres import CentreProcess
from tests.notify.test_email_smtp import Mailbox, smtp_server
from tests.support.mosquitto import Broker
from tests.wire.fleet_keys import FleetKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_the_centre_sends_the_e_mail_and_the_locker_then_erases_the_code(
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
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        notify = tmp_path / "notify.toml"
        notify.write_text(
            f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"\n'
            'smtp_from = "lockers@example.com"\n'
        )
        make_service_identity(fleet.root, tmp_path / "centre-a", int(time.time()) - 60)
        centre = CentreProcess("centre-a", tmp_path, broker, centre_db, notify)
        # The centre process subscribes while the locker already streams: what it missed comes
        # again after a second instead of the locker's ten.
        uplink = start_uplink(db_path, "TEST-01", resend_after_s=1.0)
        assert uplink.link.subscribed.wait(10)
        ctx.clock = SystemClock()
        ctx.channels = relay_channels({}, uplink.relay)
        receipt = deposit_parcel(
            ctx, courier.id, "SF0000000009", "13812345678", Size.S, email="li@example.com"
        )
        board.close_door(ctx.store.compartment(receipt.compartment).address, True)
        door_closed(ctx, receipt.compartment, True)

        # The centre takes the locker's stream: its shared subscriptions are in place.
        assert wait_for(lambda: stored(centre_db, "TEST-01") != [], 30), centre.log.read_text()
        while deliver_next(ctx) is not None:
            pass

        def statuses() -> dict[str, str]:
            with SqliteStore(db_path) as store:
                return {str(row["channel"]): str(row["status"]) for row in store.outbox()}

        assert wait_for(lambda: len(mailbox.received) == 1, 30), centre.log.read_text()
        # The e-mail is confirmed; the SMS the centre has no gateway for fails on the locker too.
        assert wait_for(lambda: statuses() == {"email": "sent", "sms": "failed"}, 30)
        [mail] = mailbox.received
        assert mail.rcpt_tos == ["li@example.com"]
        assert receipt.code in mail.mail.get_body(("plain",)).get_content()
        with SqliteStore(db_path) as store:
            [email_row] = [row for row in store.outbox() if row["channel"] == "email"]
            assert receipt.code not in str(email_row["payload"])
        centre.stop()
