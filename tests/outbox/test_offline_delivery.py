"""Deposits and pickups never wait on the network: with the SMTP server and the SMS gateway
down, twenty parcels go in and five come out; when the servers return, the outbox worker
delivers the fifteen waiting parcels' messages, each exactly once, on each channel.

The servers are real (aiosmtpd, an HTTP gateway on loopback), the worker is the locker's own
thread, and the clock is the real one with retries a few tens of milliseconds apart.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from locker.domain.models import Size
from locker.notify.email_smtp import SmtpChannel
from locker.notify.sms_http import HttpSmsGateway
from locker.outbox_worker import OutboxWorker
from locker.services.collect_parcel import collect_by_code
from locker.services.context import LockerContext, MessageRules, SystemClock
from locker.services.deposit_parcel import deposit_parcel
from locker.services.setup_locker import load_layout, parse_layout_toml
from locker.store import SqliteStore
from tests.support.provider_server import PROXY_VARIABLES, ProviderServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]
PARCELS, COLLECTED = 20, 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """What the SMTP server accepted: the Message-ID of every mail."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        mail = email.message_from_bytes(envelope.content, policy=default_policy)
        self.message_ids.append(str(mail["Message-ID"]))
        return "250 Message accepted"


def cabinet(doors: int) -> str:
    text = '[[bus]]\nname = "main"\n'
    for n in range(doors):
        board, channel = divmod(n, 16)
        text += (
            f'[[compartment]]\nlabel = "A{n:02d}"\nsize = "S"\n'
            f"board = {board}\nchannel = {channel + 1}\n"
        )
    return text


def wait_for(condition, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_messages_wait_for_the_servers_and_go_out_once_each(ctx, courier, db_path, monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    load_layout(ctx, parse_layout_toml(cabinet(PARCELS)), "test")
    smtp_port, sms_port = free_port(), free_port()
    channels = {
        "sms": HttpSmsGateway(url=f"http://127.0.0.1:{sms_port}/sms", secret="s", timeout_s=2),
        "email": SmtpChannel(
            host="127.0.0.1",
            port=smtp_port,
            security="none",
            sender="locker@example.com",
            timeout_s=2,
            message_id_domain="TEST-01",
        ),
    }
    rules = ctx.rules.__class__(
        **{
            **ctx.rules.__dict__,
            "messages": MessageRules(
                max_attempts=10_000,
                first_retry=timedelta(milliseconds=20),
                max_retry=timedelta(milliseconds=100),
                sms_daily_cap=100,
            ),
        }
    )
    clock = SystemClock()
    running = LockerContext(ctx.store, ctx.board, clock, rules, channels=channels)
    worker = OutboxWorker(
        lambda: LockerContext(SqliteStore(db_path), ctx.board, clock, rules, channels=channels),
        poll_s=0.05,
    ).start()
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    try:
        receipts = []
        started = time.monotonic()
        for n in range(PARCELS):
            receipt = deposit_parcel(
                running,
                courier.id,
                f"SF{n:010d}",
                f"138{n:08d}",
                Size.S,
                email=f"recipient{n}@example.com",
            )
            courier.close(receipt.compartment, item_present=True)
            receipts.append(receipt)
        for receipt in receipts[:COLLECTED]:
            collect_by_code(running, receipt.code)
        # With the servers down, not one of them waited on the network.
        assert time.monotonic() - started < 10
        assert wait_for(lambda: any(m.attempts > 1 for m in ctx.store.messages()))
        # A try already out when its parcel was collected is not called back: it fails on the
        # dead servers, and only then is its message withdrawn. The servers return after that.
        collected = {r.parcel.id for r in receipts[:COLLECTED]}
        assert wait_for(
            lambda: all(
                m.status == "cancelled" for m in ctx.store.messages() if m.parcel_id in collected
            )
        )

        with ProviderServer(port=sms_port) as gateway:
            controller.start()
            waiting = PARCELS - COLLECTED
            assert wait_for(
                lambda: len(gateway.received) >= waiting and len(mailbox.message_ids) >= waiting
            ), (len(gateway.received), len(mailbox.message_ids))
            # And no more than that: the outbox is done, nothing is due again.
            assert wait_for(
                lambda: all(m.status in ("sent", "cancelled") for m in ctx.store.messages())
            )
            sms_ids = [r.json()["message_id"] for r in gateway.received]
    finally:
        worker.stop()
        controller.stop()
    assert len(sms_ids) == len(set(sms_ids)) == PARCELS - COLLECTED
    assert len(mailbox.message_ids) == len(set(mailbox.message_ids)) == PARCELS - COLLECTED
    waiting_phones = {r.parcel.recipient_phone for r in receipts[COLLECTED:]}
    assert {r.json()["phone"] for r in gateway.received} == waiting_phones
    cancelled = [m for m in ctx.store.messages() if m.status == "cancelled"]
    assert len(cancelled) == 2 * COLLECTED
    assert threading.active_count() < 50
