"""`locker fleet sim`: many simulated lockers on one broker, from one selector loop.

Each simulated locker is a paho client with the client id of its locker, publishing realistic
audit records with a valid hash chain (a parcel deposited, shut in, picked up) on its `events`
topic, its `online` status, and listening for the centre's acknowledgements, as a real uplink
does. All of them share one thread: their sockets sit in one selector, and the loop calls each
client's read, write and housekeeping steps itself, so a thousand lockers cost a thousand
sockets, not a thousand threads.
"""

from __future__ import annotations

import logging
import resource
import selectors
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from locker.domain.audit_chain import AuditRecord, seal
from locker.wire.broker_link import OFFLINE, ONLINE
from locker.wire.errors import WireFormatError
from locker.wire.events import ack_from_bytes, event_bytes
from locker.wire.topics import LockerTopics

log = logging.getLogger(__name__)

CARRIERS = ("SF Express", "JD Logistics", "ZTO Express")
# How often each client's keepalive and retry housekeeping runs.
MISC_EVERY_S = 1.0
# As the locker's uplink: unacknowledged records go again after this long without progress.
RESEND_AFTER_S = 10.0
KEEPALIVE_S = 60


def raise_open_file_limit() -> int:
    """Lift this process's open-file limit to its hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class SimulatedLocker:
    """One locker's client and its audit chain."""

    locker_id: str
    client: mqtt.Client
    head: AuditRecord | None = None
    acked: int = 0
    connected: bool = False
    parcels: int = 0
    # Records the centre has not acknowledged yet, oldest first, and when the last ack came.
    unacked: list[AuditRecord] = field(default_factory=list)
    progress_at: float = 0.0

    def acknowledged(self, seq: int, now: float) -> None:
        """The centre holds every record up to `seq`."""
        if seq > self.acked:
            self.acked, self.progress_at = seq, now
            self.unacked = [r for r in self.unacked if r.seq > seq]

    def next_record(self, now: datetime) -> AuditRecord:
        """The next record of a busy locker's day: deposit, door shut, pickup, in turn."""
        step = (self.head.seq if self.head else 0) % 3
        if step == 0:
            self.parcels += 1
        n = self.parcels
        carrier = CARRIERS[n % len(CARRIERS)]
        tracking = f"{self.locker_id}-{n:08d}"
        door = f"A{(n % 24) + 1:02d}"
        action, actor = (
            ("parcel.deposited", "courier:1"),
            ("parcel.shut_in", "system"),
            ("parcel.collected", "recipient"),
        )[step]
        details = {"parcel_id": n, "compartment": door, "carrier": carrier}
        self.head = seal(self.head, now.isoformat(), actor, action, tracking, details)
        return self.head


@dataclass
class SimFigures:
    """What a run did."""

    lockers: int = 0
    connected: int = 0
    published: int = 0
    acknowledged: int = 0
    resent: int = 0
    seconds: float = 0.0
    refused: dict[str, int] = field(default_factory=dict)


class FleetSim:
    """Simulated lockers `{prefix}-00001`…, all driven from the caller's thread."""

    def __init__(
        self,
        host: str,
        port: int,
        lockers: int,
        username: str = "",
        password: str = "",
        prefix: str = "SIM",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host, self._port = host, port
        self._clock = clock
        self._misc_at = 0.0
        self._selector = selectors.DefaultSelector()
        self.lockers = [
            self._locker(f"{prefix}-{n:05d}", username, password) for n in range(1, lockers + 1)
        ]
        self.figures = SimFigures(lockers=lockers)

    def _locker(self, locker_id: str, username: str, password: str) -> SimulatedLocker:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=locker_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        if username:
            client.username_pw_set(username, password or None)
        topics = LockerTopics(locker_id)
        client.will_set(topics.status, OFFLINE, qos=1, retain=True)
        locker = SimulatedLocker(locker_id, client)

        def connected(c: mqtt.Client, u: object, f: object, reason: object, p: object) -> None:
            if getattr(reason, "is_failure", False):
                self.figures.refused[str(reason)] = self.figures.refused.get(str(reason), 0) + 1
                return
            locker.connected = True
            c.subscribe(topics.events_ack, qos=1)
            c.publish(topics.status, ONLINE, qos=1, retain=True)

        def message(c: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
            try:
                locker.acknowledged(ack_from_bytes(m.payload), self._clock())
            except WireFormatError:
                log.warning("%s: a malformed acknowledgement", locker.locker_id)

        client.on_connect = connected
        client.on_message = message
        return locker

    def connect(self, timeout_s: float = 60.0) -> int:
        """Open every connection, then serve them until all are up or the time runs out;
        returns how many are connected."""
        for locker in self.lockers:
            locker.client.connect(self._host, self._port, keepalive=KEEPALIVE_S)
            sock = locker.client.socket()
            if sock is not None:
                self._selector.register(sock, selectors.EVENT_READ, locker)
        deadline = self._clock() + timeout_s
        while self._clock() < deadline and not all(x.connected for x in self.lockers):
            self._serve(0.05)
        self.figures.connected = sum(x.connected for x in self.lockers)
        return self.figures.connected

    def run(self, seconds: float, rate: float) -> SimFigures:
        """Publish `rate` records a second across the lockers, in turn, for `seconds`."""
        start = self._clock()
        turn = 0
        # Counted from this run's start: a sim runs several windows, each at its own rate.
        before = self.figures.published
        while (elapsed := self._clock() - start) < seconds:
            due = int(rate * elapsed) - (self.figures.published - before)
            for _ in range(max(due, 0)):
                locker = self.lockers[turn % len(self.lockers)]
                turn += 1
                if not locker.connected:
                    continue
                record = locker.next_record(datetime.now(UTC))
                if not locker.unacked:
                    locker.progress_at = self._clock()
                locker.unacked.append(record)
                locker.client.publish(LockerTopics(locker.locker_id).events, event_bytes(record), 1)
                self.figures.published += 1
            self._serve(0.005)
        self.figures.seconds = self._clock() - start
        return self.figures

    def record_offline(self, per_locker: int) -> int:
        """Each locker records `per_locker` records while it cannot reach the broker, as a
        locker goes on working through an outage; they wait for `send_backlog`."""
        for locker in self.lockers:
            for _ in range(per_locker):
                locker.unacked.append(locker.next_record(datetime.now(UTC)))
        return per_locker * len(self.lockers)

    def send_backlog(self) -> int:
        """Every connected locker sends all it has not had acknowledged, oldest first, as the
        uplink does when the broker is back; returns how many records left."""
        sent = 0
        now = self._clock()
        for locker in self.lockers:
            if not locker.connected:
                continue
            locker.progress_at = now
            topic = LockerTopics(locker.locker_id).events
            for record in locker.unacked:
                locker.client.publish(topic, event_bytes(record), 1)
            sent += len(locker.unacked)
        self.figures.published += sent
        return sent

    def drain(self, timeout_s: float = 30.0) -> int:
        """Serve until the centre has acknowledged every record, or the time runs out; returns
        how many records are acknowledged."""
        deadline = self._clock() + timeout_s
        while self._clock() < deadline and not self._all_acked():
            self._serve(0.05)
        self.figures.acknowledged = sum(x.acked for x in self.lockers)
        return self.figures.acknowledged

    def _all_acked(self) -> bool:
        return all(x.acked == (x.head.seq if x.head else 0) for x in self.lockers)

    def close(self) -> None:
        """Disconnect every locker (the broker keeps their `online` until the will, which a
        clean disconnect does not send), then close the selector."""
        for locker in self.lockers:
            if locker.connected:
                locker.client.publish(LockerTopics(locker.locker_id).status, OFFLINE, 1, True)
                locker.client.disconnect()
                locker.client.loop_write()
        self._selector.close()

    def _serve(self, timeout_s: float) -> None:
        """One round of the loop: write what waits, read what came, and keep alive."""
        for locker in self.lockers:
            if locker.client.want_write():
                locker.client.loop_write()
        for key, _ in self._selector.select(timeout_s):
            locker = key.data
            locker.client.loop_read()
        now = self._clock()
        if now - self._misc_at >= MISC_EVERY_S:
            self._misc_at = now
            for locker in self.lockers:
                locker.client.loop_misc()
                if locker.unacked and now - locker.progress_at >= RESEND_AFTER_S:
                    # The centre may have lost them (a centre process gone): send them again.
                    locker.progress_at = now
                    self.figures.resent += len(locker.unacked)
                    topic = LockerTopics(locker.locker_id).events
                    for record in locker.unacked:
                        locker.client.publish(topic, event_bytes(record), 1)
