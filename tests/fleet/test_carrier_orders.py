"""Carriers' orders through a real broker: pending while the locker is away, signed to it when
its status turns online, confirmed or refused by its answer, and re-signed after a reconnect."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from locker.centre.order_book import REASON_OFFLINE
from locker.centre.serve import Centre
from locker.wire.broker_link import OFFLINE, ONLINE
from locker.wire.commands import Command, check_command
from locker.wire.errors import CommandRefusedError
from locker.wire.topics import LockerTopics
from tests.fleet.conftest import USERS, wait_for
from tests.support.mosquitto import Broker
from tests.wire.fleet_keys import FleetKeys

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

LOCKER = "TEST-01"
CARRIER = "acme"
Answer = Callable[[Command], dict[str, Any]]


class FakeLocker:
    """A paho client in the locker's place: it checks every command against the fleet's root as
    a locker does, keeps those that pass, and answers each action as the test says."""

    def __init__(self, broker: Broker, root: Ed25519PublicKey) -> None:
        self.topics = LockerTopics(LOCKER)
        self.commands: list[Command] = []
        self.refused: list[str] = []
        self.answers: dict[str, Answer] = {}
        self._broker = broker
        self._root = root
        self._changed = threading.Condition()
        self._client: mqtt.Client | None = None

    def come_online(self) -> None:
        """Connect afresh, listen for commands, then say `online` as the uplink does."""
        subscribed = threading.Event()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=LOCKER, protocol=MQTTProtocolVersion.MQTTv5
        )
        client.username_pw_set(LOCKER, USERS[LOCKER])
        client.on_connect = lambda c, *args: c.subscribe(self.topics.cmd, qos=1)
        client.on_subscribe = lambda *args: subscribed.set()
        client.on_message = self._message
        client.connect("127.0.0.1", self._broker.port, clean_start=True)
        client.loop_start()
        assert subscribed.wait(10), "the fake locker did not subscribe"
        client.publish(self.topics.status, ONLINE, qos=1, retain=True).wait_for_publish(5)
        self._client = client

    def go_offline(self) -> None:
        """Say `offline` (as the last will would) and disconnect."""
        assert self._client is not None
        self._client.publish(self.topics.status, OFFLINE, qos=1, retain=True).wait_for_publish(5)
        self._client.disconnect()
        self._client.loop_stop()
        self._client = None

    def _message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            accepted = check_command(bytes(message.payload), LOCKER, self._root, int(time.time()))
        except CommandRefusedError as refusal:
            with self._changed:
                self.refused.append(refusal.code)
                self._changed.notify_all()
            return
        command = accepted.command
        with self._changed:
            self.commands.append(command)
            self._changed.notify_all()
        answer = self.answers.get(command.action)
        if answer is None:
            return  # a locker that went quiet
        head = {"nonce": command.nonce, "action": command.action, "operator": command.operator}
        for result in ({**head, "status": "accepted"}, {**head, **answer(command)}):
            client.publish(self.topics.cmd_result, json.dumps(result).encode(), qos=1)

    def wait_commands(self, count: int, timeout_s: float = 20.0) -> list[Command]:
        """The first `count` commands that passed the check."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.commands) >= count, timeout_s)
            return list(self.commands)

    def close(self) -> None:
        """Disconnect if connected."""
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()


def done(command: Command) -> dict[str, Any]:
    """The locker's answer once it stored the order."""
    return {"status": "done", "outcome": {"tracking": command.args.get("tracking")}}


def no_space(command: Command) -> dict[str, Any]:
    """The locker's refusal of a hold it has no room for."""
    return {"status": "refused", "code": "hold.no_space", "detail": "1 door of size L is free"}


@pytest.fixture
def centre(service_centre: Callable[..., Centre]) -> Centre:
    """A started centre with its service identity, knowing TEST-01 as offline."""
    return service_centre(LOCKER)


@pytest.fixture
def locker(broker: Broker, fleet: FleetKeys) -> Iterator[FakeLocker]:
    """The fake locker, not connected yet."""
    fake = FakeLocker(broker, fleet.root.public_key())
    yield fake
    fake.close()


def test_orders_wait_for_the_locker_and_follow_its_answers(
    centre: Centre, locker: FakeLocker
) -> None:
    orders = centre.orders
    expected_at = int(time.time()) + 3600
    first = orders.preadvise(
        CARRIER, "AC0000000001", LOCKER, "13812345678", "M", False, "zh", expected_at
    )
    assert (first["state"], first["reason"]) == ("pending", REASON_OFFLINE)

    # Online: the pre-advice is signed to the locker, which confirms it.
    locker.answers = {"preadvise": done, "hold": no_space}
    locker.come_online()
    [preadvise] = locker.wait_commands(1)
    assert (preadvise.action, preadvise.args["tracking"]) == ("preadvise", "AC0000000001")
    assert preadvise.operator == "centre"
    assert wait_for(
        lambda: orders.parcel_status(CARRIER, "AC0000000001")["state"] == "expected", 20
    )

    # A hold the locker has no room for is refused with its reason.
    hold = orders.reserve(CARRIER, LOCKER, "L", 2, 3600)
    assert wait_for(lambda: orders.reservation(CARRIER, hold["id"])["state"] == "refused", 20)
    shown = orders.reservation(CARRIER, hold["id"])
    assert (shown["code"], shown["detail"]) == ("hold.no_space", "1 door of size L is free")

    # Unanswered, then the locker reconnects: the order goes again under a new nonce.
    locker.answers = {}
    orders.preadvise(CARRIER, "AC0000000002", LOCKER, "13812345678", "S", True, None, expected_at)
    unanswered = locker.wait_commands(3)[2]
    locker.go_offline()
    locker.answers = {"preadvise": done}
    locker.come_online()
    again = locker.wait_commands(4)[3]
    assert (again.action, again.args) == (unanswered.action, unanswered.args)
    assert again.nonce != unanswered.nonce
    assert wait_for(
        lambda: orders.parcel_status(CARRIER, "AC0000000002")["state"] == "expected", 20
    )
    assert locker.refused == []
