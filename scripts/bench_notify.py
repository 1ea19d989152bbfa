#!/usr/bin/env python3
"""Messages from deposit to the recipient's providers, with real local servers: prints figures,
asserts nothing.

    .venv/bin/python scripts/bench_notify.py [--parcels N] [--queued N] [--dir FOLDER]

It needs the development extras (aiosmtpd, and the tests' gateway server).

Each parcel has a phone and an e-mail address, so a deposit queues two messages: an SMS to a
local HTTP gateway (the generic gateway, `HttpSmsGateway`) and an e-mail to a local SMTP server
(aiosmtpd, `SmtpChannel`). One `OutboxWorker` delivers them, as `locker run` starts it, on a
real SQLite file (synchronous=FULL) with the locker's default settings; it is woken when a door
shuts on a parcel, as the dispatcher does.

- Deposit to delivered: a deposit, its door shut (`door_closed`), then the time until the
  gateway and the SMTP server have each received the message; median and p99.
- Back from an outage: messages queued while both servers are down (each tried once and
  refused), then the servers start: the time until the last is delivered. The retry policy in
  force decides most of it; the time the worker then takes to drain them is shown apart.
- Throughput: messages queued with the worker stopped, then one worker delivers them all.
"""

from __future__ import annotations

import argparse
import email
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from locker.boards.in_memory import InMemoryBoard  # noqa: E402
from locker.composition.context import rules_from  # noqa: E402
from locker.config import Settings  # noqa: E402
from locker.domain.models import Size  # noqa: E402
from locker.message_channel import MessageChannel  # noqa: E402
from locker.notify.email_smtp import SmtpChannel  # noqa: E402
from locker.notify.sms_http import HttpSmsGateway  # noqa: E402
from locker.outbox_worker import OutboxWorker  # noqa: E402
from locker.services.accounts import add_courier  # noqa: E402
from locker.services.context import LockerContext, Rules, SystemClock  # noqa: E402
from locker.services.deposit_parcel import deposit_parcel  # noqa: E402
from locker.services.door_closed import door_closed  # noqa: E402
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml  # noqa: E402
from locker.store import SqliteStore  # noqa: E402
from tests.support.provider_server import PROXY_VARIABLES, Answer, ProviderServer  # noqa: E402

LOCKER_ID = "BENCH-1"
DOORS = 256  # one bus: 16 boards of 16 channels
WAIT_S = 600.0  # the longest any phase waits for its messages


def layout(doors: int) -> str:
    text = '[[bus]]\nname = "main"\n'
    for n in range(doors):
        board, channel = divmod(n, 16)
        text += (
            f'[[compartment]]\nlabel = "D{n:03d}"\nsize = "S"\n'
            f"board = {board}\nchannel = {channel + 1}\n"
        )
    return text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Arrivals:
    """When each message reached its server, by the outbox's message id."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self._changed = threading.Condition()

    def record(self, message_id: str) -> None:
        with self._changed:
            self.at.setdefault(message_id, time.monotonic())
            self._changed.notify_all()

    def wait_for(self, ids: list[str], timeout_s: float = WAIT_S) -> bool:
        """True once every one of `ids` has arrived; False if one has not within the time."""
        with self._changed:
            return self._changed.wait_for(lambda: all(i in self.at for i in ids), timeout_s)


class Mailbox:
    """The SMTP server's handler: records each mail's arrival by its Message-ID."""

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=default_policy)
        # <outbox message id@locker id>
        self.arrivals.record(str(mail["Message-ID"]).strip("<>").split("@", 1)[0])
        return "250 Message accepted"


@dataclass
class Servers:
    """The SMS gateway and the SMTP server, on ports fixed before either is up."""

    arrivals: Arrivals
    sms_port: int
    smtp_port: int

    @contextmanager
    def up(self) -> Iterator[None]:
        def answer(received: Any) -> Answer:
            self.arrivals.record(received.json()["message_id"])
            return Answer(200, {"id": received.json()["message_id"]})

        controller = Controller(Mailbox(self.arrivals), hostname="127.0.0.1", port=self.smtp_port)
        with ProviderServer(answer, port=self.sms_port):
            controller.start()
            try:
                yield
            finally:
                controller.stop()

    def channels(self) -> dict[str, MessageChannel]:
        return {
            "sms": HttpSmsGateway(
                url=f"http://127.0.0.1:{self.sms_port}/sms", secret="bench", timeout_s=5
            ),
            "email": SmtpChannel(
                host="127.0.0.1",
                port=self.smtp_port,
                security="none",
                sender="locker@example.com",
                timeout_s=5,
                message_id_domain=LOCKER_ID,
            ),
        }


class Locker:
    """A set-up locker on a new file, its channels pointed at the local servers, and a worker."""

    def __init__(self, path: Path, servers: Servers, rules: Rules, poll_s: float) -> None:
        self.path, self.rules, self.poll_s = path, rules, poll_s
        self.board = InMemoryBoard()
        self.channels = servers.channels()
        self.store = SqliteStore(path)
        self.ctx = LockerContext(
            self.store, self.board, SystemClock(), rules, channels=self.channels
        )
        init_locker(self.ctx, LOCKER_ID, "Bench", "Bench street 1", "admin", "bench-password")
        load_layout(self.ctx, parse_layout_toml(layout(DOORS)), "bench")
        self.courier = add_courier(self.ctx, "SF Express", "Bench", "246813", "bench").id
        self.worker: OutboxWorker | None = None
        self.deposited = 0

    def start_worker(self) -> OutboxWorker:
        def context() -> LockerContext:
            store = SqliteStore(self.path)
            return LockerContext(
                store, self.board, SystemClock(), self.rules, channels=self.channels
            )

        self.worker = OutboxWorker(context, self.poll_s).start()
        return self.worker

    def deposit(self) -> tuple[dict[str, str], float]:
        """One parcel in and its door shut; its messages' ids by channel, and when it shut."""
        n = self.deposited
        self.deposited += 1
        receipt = deposit_parcel(
            self.ctx,
            self.courier,
            f"SF{n:010d}",
            f"138{n:08d}",  # one phone each: the daily SMS cap is per phone
            Size.S,
            email=f"recipient{n}@example.com",
            language="zh",
        )
        self.board.close_door(self.store.compartment(receipt.compartment).address, True)
        shut = time.monotonic()
        door_closed(self.ctx, receipt.compartment, True)
        if self.worker is not None:
            self.worker.wake()  # as the dispatcher does when a door shuts on a parcel
        messages = self.store.parcel_messages(receipt.parcel.id)
        return {m.channel: m.message_id for m in messages}, shut

    def statuses(self) -> list[tuple[str, int]]:
        return [(m.status, m.attempts) for m in self.store.messages()]

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.store.close()


def wait_until(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def row(name: str, samples_s: list[float]) -> None:
    ms = [s * 1000 for s in samples_s]
    print(
        f"  {name:<34} n={len(ms):<4} median {statistics.median(ms):8.1f} ms"
        f"   p99 {percentile(ms, 0.99):8.1f} ms   max {max(ms):8.1f} ms"
    )


def deposit_to_delivered(folder: Path, rules: Rules, poll_s: float, parcels: int) -> None:
    arrivals = Arrivals()
    servers = Servers(arrivals, free_port(), free_port())
    locker = Locker(folder / "latency.db", servers, rules, poll_s)
    sms_s, mail_s, both_s = [], [], []
    with servers.up():
        locker.start_worker()
        try:
            for _ in range(parcels):
                ids, shut = locker.deposit()
                if not arrivals.wait_for(list(ids.values())):
                    print("  a message did not arrive: figures stop here")
                    break
                sms_s.append(arrivals.at[ids["sms"]] - shut)
                mail_s.append(arrivals.at[ids["email"]] - shut)
                both_s.append(max(sms_s[-1], mail_s[-1]))
        finally:
            locker.close()
    print(f"Deposit to delivered ({parcels} parcels, one at a time; from the door shutting):")
    row("SMS at the gateway", sms_s)
    row("e-mail at the SMTP server", mail_s)
    row("both", both_s)


def after_an_outage(folder: Path, rules: Rules, poll_s: float, messages: int) -> None:
    arrivals = Arrivals()
    servers = Servers(arrivals, free_port(), free_port())
    locker = Locker(folder / "outage.db", servers, rules, poll_s)
    locker.start_worker()
    try:
        ids = [i for _ in range(messages // 2) for i in locker.deposit()[0].values()]
        # Down: every message is tried and refused, and waits for its retry (a try still under
        # way could meet the servers coming back, and would not have waited).
        tried = wait_until(lambda: all(s == "pending" and a >= 1 for s, a in locker.statuses()))
        if not tried:
            print("  the worker did not try every message while the servers were down")
        tries = [a for _, a in locker.statuses()]
        with servers.up():
            back = time.monotonic()
            arrivals.wait_for(ids)
            delivered = [arrivals.at[i] for i in ids if i in arrivals.at]
    finally:
        locker.close()
    print(
        f"Back from an outage ({len(ids)} messages queued while both servers were down, "
        f"tried {min(tries)} to {max(tries)} time(s) each; retries after "
        f"{rules.messages.first_retry.total_seconds():g} s, doubling to "
        f"{rules.messages.max_retry.total_seconds():g} s, less up to 25% jitter):"
    )
    if len(delivered) < len(ids):
        print(f"  only {len(delivered)} of {len(ids)} delivered within {WAIT_S:g} s")
        return
    print(f"  servers back to the first delivered    {min(delivered) - back:8.2f} s")
    print(f"  servers back to the last delivered     {max(delivered) - back:8.2f} s")
    # Each message's retry falls due on its own (the jitter spreads them): this is the wait,
    # not the worker's pace, which the throughput below measures.
    print(f"  first to last delivered                {max(delivered) - min(delivered):8.2f} s")


def throughput(folder: Path, rules: Rules, poll_s: float, messages: int) -> None:
    arrivals = Arrivals()
    servers = Servers(arrivals, free_port(), free_port())
    locker = Locker(folder / "throughput.db", servers, rules, poll_s)
    try:
        ids = [i for _ in range(messages // 2) for i in locker.deposit()[0].values()]
        with servers.up():
            start = time.monotonic()
            locker.start_worker()
            arrivals.wait_for(ids)
            # The worker records each as sent after the server's answer: count that too.
            wait_until(lambda: all(s == "sent" for s, _ in locker.statuses()))
            elapsed = time.monotonic() - start
    finally:
        locker.close()
    sent = sum(1 for i in ids if i in arrivals.at)
    print(f"Throughput (one worker, {len(ids)} messages queued, half SMS and half e-mail):")
    print(
        f"  {sent} delivered and recorded in {elapsed:.2f} s: {sent / elapsed:,.1f} messages/s "
        f"({elapsed / max(sent, 1) * 1000:.1f} ms a message)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100, help="parcels timed one by one")
    parser.add_argument(
        "--queued", type=int, default=200, help="messages queued for the outage and throughput"
    )
    parser.add_argument(
        "--dir", help="where the database files go (default: the system's temporary folder)"
    )
    args = parser.parse_args()
    # A proxy from the environment must not stand between the channels and the local servers.
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    settings = Settings()
    rules = rules_from(settings)
    poll_s = settings.outbox_poll_seconds
    parcels = min(args.parcels, DOORS)
    queued = min(args.queued, 2 * DOORS)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(
            f"Real SQLite files (synchronous=FULL) under {tmp}; the locker's default settings "
            f"(worker poll {poll_s:g} s); servers on 127.0.0.1"
        )
        deposit_to_delivered(Path(tmp), rules, poll_s, parcels)
        after_an_outage(Path(tmp), rules, poll_s, queued)
        throughput(Path(tmp), rules, poll_s, queued)


if __name__ == "__main__":
    main()
