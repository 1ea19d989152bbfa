"""One MQTT 5 connection to the broker: a persistent session, a last will, one reconnect loop.

paho keeps its session only in memory, so the durable queue is the locker's own store (the
audit log and its acknowledged cursor); the broker's persistent session (`clean_start` false
with an expiry) keeps the commands sent while the locker was away.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

log = logging.getLogger(__name__)

ONLINE = b"online"
OFFLINE = b"offline"
# MQTT 5 CONNACK reason codes after which retrying cannot help (MQTT 5.0 §3.2.2.2).
AUTH_FAILURES = frozenset({0x84, 0x85, 0x86, 0x87, 0x8C})
# MQTT 5.0 §3.14.2.1: "Disconnect with Will Message", so the broker announces us offline.
DISCONNECT_WITH_WILL = 0x04
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 30


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker is, and how this client proves who it is."""

    host: str
    port: int
    client_id: str
    username: str = ""
    password: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    keepalive_s: int = 30
    session_expiry_s: int = 604_800
    # The centre splits shared streams between live members only: it starts clean, keeps none.
    persistent: bool = True


class BrokerLink:
    """A paho client that keeps itself connected; callbacks run on paho's network thread."""

    def __init__(
        self,
        address: BrokerAddress,
        subscriptions: list[str],
        on_message: Callable[[str, bytes], None],
        status_topic: str | None = None,
        on_connected: Callable[[], None] = lambda: None,
        on_disconnected: Callable[[], None] = lambda: None,
    ) -> None:
        self.address = address
        self._subscriptions = subscriptions
        self._on_message = on_message
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._status_topic = status_topic
        self.connected = threading.Event()
        # Set once the broker has granted every subscription of the current connection.
        self.subscribed = threading.Event()
        self._pending: set[int] = set()
        self.refused: str | None = None
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=address.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        if address.username:
            self._client.username_pw_set(address.username, address.password or None)
        if address.ca_file:
            self._client.tls_set(
                ca_certs=address.ca_file,
                certfile=address.cert_file or None,
                keyfile=address.key_file or None,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        if status_topic:
            self._client.will_set(status_topic, OFFLINE, qos=1, retain=True)
        self._client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_message = self._message
        self._client.on_subscribe = self._granted

    def start(self) -> BrokerLink:
        """Connect in the background; paho's loop reconnects after every loss."""
        properties = None
        if self.address.persistent:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self.address.session_expiry_s
        self._client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=self.address.keepalive_s,
            clean_start=not self.address.persistent,
            properties=properties,
        )
        self._client.loop_start()
        return self

    def stop(self) -> None:
        """Disconnect so that the broker publishes the last will, and end paho's thread."""
        if self._status_topic:
            reason = ReasonCode(PacketTypes.DISCONNECT, identifier=DISCONNECT_WITH_WILL)
            self._client.disconnect(reasoncode=reason)
        else:
            self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        """Hand a QoS 1 message to paho; False when there is no connection to send it on."""
        if not self.connected.is_set():
            return False
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        return info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS

    def publish_confirmed(self, topic: str, payload: bytes, timeout_s: float) -> bool:
        """Publish at QoS 1 and wait for the broker's PUBACK; False without one in time."""
        if not self.connected.is_set():
            return False
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            return False
        try:
            info.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def _connected(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if reason.is_failure:
            log.error("the broker refused the connection: %s", reason)
            if reason.value in AUTH_FAILURES:
                # Retrying with the same credentials cannot succeed: stop the loop.
                self.refused = str(reason)
                client.disconnect()
            return
        self.refused = None
        self.subscribed.clear()
        for topic in self._subscriptions:
            _, mid = client.subscribe(topic, qos=1)
            if mid is not None:
                self._pending.add(mid)
        if self._status_topic:
            client.publish(self._status_topic, ONLINE, qos=1, retain=True)
        self.connected.set()
        self._on_connected()

    def _granted(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any
    ) -> None:
        if any(reason.is_failure for reason in reasons):
            log.error("the broker refused a subscription: %s", reasons)
            return
        self._pending.discard(mid)
        if not self._pending:
            self.subscribed.set()

    def _disconnected(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if self.connected.is_set():
            log.warning("lost the broker: %s", reason)
        self.connected.clear()
        self.subscribed.clear()
        self._on_disconnected()

    def _message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self._on_message(message.topic, bytes(message.payload))
        except Exception:
            log.exception("handling a message on %s failed", message.topic)
