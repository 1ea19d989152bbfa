"""The test broker is real: it refuses strangers, and it keeps a persistent session's queue."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.support.mosquitto import Broker


def client(broker: Broker, client_id: str, user: str, password: str) -> mqtt.Client:
    made = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5
    )
    made.username_pw_set(user, password)
    return made


def connect(made: mqtt.Client, broker: Broker, clean: bool) -> int:
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    made.connect("127.0.0.1", broker.port, clean_start=clean, properties=properties)
    connected = threading.Event()
    codes: list[int] = []

    def on_connect(c: object, u: object, flags: object, reason: object, props: object) -> None:
        codes.append(int(reason.value))  # type: ignore[attr-defined]
        connected.set()

    made.on_connect = on_connect
    made.loop_start()
    assert connected.wait(5)
    return codes[0]


def test_a_wrong_password_is_refused(broker: Broker) -> None:
    stranger = client(broker, "x", "locker-1", "guess")
    assert connect(stranger, broker, clean=True) != 0
    stranger.loop_stop()


def test_a_persistent_session_gets_what_was_published_while_it_was_away(broker: Broker) -> None:
    listener = client(broker, "listener", "centre", "centre-secret")
    assert connect(listener, broker, clean=False) == 0
    listener.subscribe("lockers/+/events", qos=1)[0]
    listener.disconnect()
    listener.loop_stop()

    sender = client(broker, "sender", "locker-1", "l1-secret")
    assert connect(sender, broker, clean=True) == 0
    sender.publish("lockers/L1/events", b"while away", qos=1).wait_for_publish(5)
    sender.disconnect()
    sender.loop_stop()
    broker.stop()
    broker.start()

    got = threading.Event()
    payloads: list[bytes] = []
    back = client(broker, "listener", "centre", "centre-secret")

    def on_message(c: object, u: object, message: mqtt.MQTTMessage) -> None:
        payloads.append(message.payload)
        got.set()

    back.on_message = on_message
    assert connect(back, broker, clean=False) == 0
    assert got.wait(5)
    assert payloads == [b"while away"]
    back.disconnect()
    back.loop_stop()
