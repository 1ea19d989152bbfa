"""A message channel that reaches everyone and keeps what it was given: the outbox's tests
read what a recipient would have received."""

from __future__ import annotations

from dataclasses import dataclass, field

from locker.message_channel import DeliveryError, OutgoingMessage


@dataclass
class RecordingChannel:
    """Reaches every recipient; `failing` makes each send raise, permanently or not."""

    name: str = "sms"
    sent: list[OutgoingMessage] = field(default_factory=list)
    failing: DeliveryError | None = None

    def reaches(self, recipient: str) -> bool:
        return bool(recipient) and ("@" in recipient) == (self.name == "email")

    def send(self, message: OutgoingMessage) -> str:
        if self.failing is not None:
            raise self.failing
        self.sent.append(message)
        return f"receipt-{len(self.sent)}"
