"""The centre's side of a command, for tests: publish a signed command, collect the results."""

from __future__ import annotations

import json
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from locker.wire.topics import LockerTopics
from tests.support.mosquitto import Broker


class CommandSender:
    """A centre-user client that sends commands to one locker and hears its results."""

    def __init__(self, broker: Broker, locker_id: str, password: str) -> None:
        self.topics = LockerTopics(locker_id)
        self.results: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._ready = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"sender-{locker_id}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self._client.username_pw_set("centre", password)
        self._client.on_connect = self._connected
        self._client.on_subscribe = lambda *args: self._ready.set()
        self._client.on_message = self._message
        self._client.connect("127.0.0.1", broker.port, clean_start=True)
        self._client.loop_start()
        assert self._ready.wait(10), "the sender did not subscribe"

    def _connected(self, client: mqtt.Client, *args: Any) -> None:
        client.subscribe(self.topics.cmd_result, qos=1)

    def _message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.results.append(json.loads(message.payload))
            self._changed.notify_all()

    def send(self, payload: bytes) -> None:
        """Publish a command payload to the locker's command topic."""
        self._client.publish(self.topics.cmd, payload, qos=1).wait_for_publish(5)

    def final(self, count: int, timeout_s: float = 20.0) -> list[dict[str, Any]]:
        """Wait for `count` final results (done, refused); return them in arrival order."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._finals()) >= count, timeout_s)
            return self._finals()

    def _finals(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] != "accepted"]

    def close(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()
