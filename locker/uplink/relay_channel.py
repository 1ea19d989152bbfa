"""A fleet locker's message channels: each message goes to the centre, which delivers it.

The broker's PUBACK ends the locker's try; the message stays `relayed`, its code kept, until
the centre's signed `message_delivered` says the recipient's provider took it. A relay that
the centre never confirms goes out again (the centre knows it by its message id).
"""

from __future__ import annotations

from collections.abc import Callable

from locker.message_channel import EMAIL, DeliveryError, OutgoingMessage
from locker.wire.relayed_messages import relay_bytes

PUBACK_WAIT_S = 10.0


class RelayChannel:
    """Stands for one channel (sms, email, webhook) and hands its messages to the centre."""

    # The outbox worker reads this: the message is not told yet when `send` returns.
    relays = True

    def __init__(
        self, name: str, publish: Callable[[bytes, float], bool], wait_s: float = PUBACK_WAIT_S
    ) -> None:
        self.name = name
        self._publish = publish
        self._wait_s = wait_s

    def reaches(self, recipient: str) -> bool:
        """An address of this channel's kind; the centre's own channel has the last word."""
        if self.name == EMAIL:
            return "@" in recipient
        return bool(recipient) and "@" not in recipient

    def send(self, message: OutgoingMessage) -> str:
        """Hand the message to the broker for the centre; DeliveryError when the broker is away."""
        if not self._publish(relay_bytes(self.name, message), self._wait_s):
            raise DeliveryError("the fleet's broker did not take the message; trying again")
        return "relayed"
