"""The locker's uplink: one broker link, the audit event stream, and the centre's replies."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from locker.services.context import LockerContext
from locker.uplink.command_runner import CommandRunner
from locker.uplink.event_stream import RESEND_AFTER_S, EventStore, EventStream
from locker.uplink.state_report import StateReport
from locker.wire.broker_link import BrokerAddress, BrokerLink
from locker.wire.errors import WireFormatError
from locker.wire.events import ack_from_bytes
from locker.wire.topics import LockerTopics

log = logging.getLogger(__name__)


class Uplink:
    """Started by the composition root when a broker is configured; the kiosk never waits on it."""

    def __init__(
        self,
        address: BrokerAddress,
        locker_id: str,
        make_store: Callable[[], EventStore],
        make_context: Callable[[], LockerContext],
        root_key: Ed25519PublicKey,
        replay_per_second: float,
        opens_per_hour: int,
        read_state: Callable[[], dict[str, Any]] | None = None,
        resend_after_s: float = RESEND_AFTER_S,
    ) -> None:
        self.topics = LockerTopics(locker_id)
        self.state = StateReport(read_state or (lambda: {}), self._publish_state)
        self.events = EventStream(
            make_store, self._publish_event, replay_per_second, resend_after_s=resend_after_s
        )
        self.commands = CommandRunner(
            make_context,
            locker_id,
            root_key,
            opens_per_hour,
            self._publish_result,
            self.events.rewind,
            on_handled=self.changed,
        )
        self.link = BrokerLink(
            address,
            [self.topics.events_ack, self.topics.cmd],
            self._message,
            status_topic=self.topics.status,
            on_connected=self._connected,
            on_disconnected=self.events.disconnected,
        )

    def start(self) -> Uplink:
        """Start streaming and the command runner, then connect."""
        self.events.start()
        self.commands.start()
        self.state.start()
        self.link.start()
        return self

    def stop(self) -> None:
        """Disconnect (the broker announces the locker offline), then stop the workers."""
        self.link.stop()
        self.state.stop()
        self.commands.stop()
        self.events.stop()

    def changed(self) -> None:
        """A door event or a new audit record: tell the centre soon; from any thread."""
        self.events.appended()
        self.state.changed()

    def relay(self, payload: bytes, wait_s: float) -> bool:
        """Hand a recipient's message to the centre; True once the broker has it."""
        return self.link.publish_confirmed(self.topics.outbox, payload, wait_s)

    def _connected(self) -> None:
        self.events.connected()
        self.commands.connected()
        self.state.changed()

    def _publish_state(self, payload: bytes) -> bool:
        return self.link.publish(self.topics.state, payload, retain=True)

    def _publish_result(self, result: dict[str, Any]) -> bool:
        return self.link.publish(self.topics.cmd_result, json.dumps(result).encode())

    def _publish_event(self, payload: bytes) -> bool:
        return self.link.publish(self.topics.events, payload)

    def _message(self, topic: str, payload: bytes) -> None:
        if topic == self.topics.events_ack:
            try:
                self.events.acknowledged(ack_from_bytes(payload))
            except WireFormatError as error:
                log.warning("ignored a malformed acknowledgement: %s", error)
        elif topic == self.topics.cmd:
            self.commands.received(payload)
