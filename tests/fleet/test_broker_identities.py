"""Each locker's own broker identity (`locker fleet enroll`): on a real Mosquitto, locker A can
neither publish as locker B nor read B's commands, and the centre still reads and commands both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from locker.centre.broker_accounts import enroll
from tests.fleet.conftest import wait_for
from tests.support.mosquitto import Broker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


class Client:
    """A paho client that keeps what it receives and the answers to its subscriptions."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.granted: list[list[int]] = []
        self.published: dict[int, int] = {}
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=username, protocol=MQTTProtocolVersion.MQTTv5
        )
        self.client.username_pw_set(username, password)
        self.client.on_connect = lambda c, u, f, reason, p: (
            self.connected.set() if not reason.is_failure else None
        )
        self.client.on_message = lambda c, u, m: self.received.append((m.topic, m.payload))
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = lambda c, u, mid, reason, p: self.published.__setitem__(
            mid, reason.value
        )
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_subscribe(self, client: object, userdata: object, mid: int, codes, props) -> None:  # type: ignore[no-untyped-def]
        self.granted.append([code.value for code in codes])
        self.subscribed.set()

    def subscribe(self, topic: str) -> list[int]:
        self.subscribed.clear()
        self.client.subscribe(topic, qos=1)
        assert self.subscribed.wait(10)
        return self.granted[-1]

    def publish(self, topic: str, payload: bytes) -> int:
        info = self.client.publish(topic, payload, qos=1)
        assert wait_for(lambda: info.mid in self.published, 10)
        return self.published[info.mid]

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def enrolled(tmp_path: Path) -> Iterator[tuple[Broker, dict[str, str]]]:
    home = tmp_path / "broker"
    home.mkdir()
    acl = home / "acl"
    acl.touch(mode=0o600)
    broker = Broker(home, {}, acl_file=acl)
    passwords = {
        name: enroll(name, home / "passwords", acl, centre=(name == "centre"))
        for name in ("LOCKER-A", "LOCKER-B", "centre")
    }
    broker.start()
    yield broker, passwords
    broker.stop()


def test_a_locker_cannot_publish_as_another_nor_read_its_commands(
    enrolled: tuple[Broker, dict[str, str]],
) -> None:
    broker, passwords = enrolled
    centre = Client(broker.port, "centre", passwords["centre"])
    a = Client(broker.port, "LOCKER-A", passwords["LOCKER-A"])
    clients = [centre, a]
    try:
        assert centre.connected.wait(10) and a.connected.wait(10)
        assert centre.subscribe("$share/centre/lockers/+/events") == [1]

        # A speaks for itself, and is heard.
        assert a.publish("lockers/LOCKER-A/events", b"mine") == 0
        assert wait_for(lambda: ("lockers/LOCKER-A/events", b"mine") in centre.received, 10)
        # A as B: refused by the broker (0x87, not authorised), and never delivered.
        assert a.publish("lockers/LOCKER-B/events", b"forged") == 0x87
        assert a.publish("lockers/LOCKER-A/cmd", b"to myself") == 0x87

        # B's commands: Mosquitto grants the subscription but delivers A nothing from it.
        a.subscribe("lockers/LOCKER-B/cmd")
        a.subscribe("lockers/LOCKER-A/cmd")
        assert centre.publish("lockers/LOCKER-B/cmd", b"open B01") == 0
        assert centre.publish("lockers/LOCKER-A/cmd", b"for A") == 0
        assert wait_for(lambda: ("lockers/LOCKER-A/cmd", b"for A") in a.received, 10)
        assert all(topic != "lockers/LOCKER-B/cmd" for topic, _ in a.received)
        assert all(payload != b"forged" for _, payload in centre.received)
    finally:
        for client in clients:
            client.stop()


def test_enrolling_again_replaces_the_password_and_keeps_one_acl_block(
    enrolled: tuple[Broker, dict[str, str]],
) -> None:
    broker, passwords = enrolled
    acl = broker.home / "acl"
    renewed = enroll("LOCKER-A", broker.home / "passwords", acl)
    broker.reload()
    assert acl.read_text().count("user LOCKER-A\n") == 1
    assert acl.read_text().count("user LOCKER-B\n") == 1

    def logs_in(password: str) -> bool:
        client = Client(broker.port, "LOCKER-A", password)
        try:
            return client.connected.wait(2)
        finally:
            client.stop()

    assert wait_for(lambda: logs_in(renewed), 10)
    assert not logs_in(passwords["LOCKER-A"])


@pytest.mark.parametrize("name", ["A/B", "lockers/#", "+", "a b", "x" * 65, "", "A\nuser centre"])
def test_a_name_that_would_reach_other_topics_is_refused(tmp_path: Path, name: str) -> None:
    from locker.centre.broker_accounts import BrokerAccountError

    with pytest.raises(BrokerAccountError):
        enroll(name, tmp_path / "passwords", tmp_path / "acl")
    assert not (tmp_path / "acl").exists() or (tmp_path / "acl").read_text() == ""
