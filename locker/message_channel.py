"""The port through which messages leave the locker: one channel per way of reaching people.

A message is rendered before it reaches a channel (the texts are the domain's, in
`locker/domain/message_texts.py`); a channel only carries it. Channels live in
`locker/notify/` and know nothing of where they run: the locker's outbox worker uses them, and
so can a centre.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

SMS, EMAIL, WEBHOOK, DEMO = "sms", "email", "webhook", "demo"


class DeliveryError(Exception):
    """A channel could not deliver; `permanent` when trying again cannot help (a bad number, a
    template the provider rejects), else a later try may succeed (a timeout, a server down)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmsText:
    """An SMS as a pre-approved template and its typed parameters, and as plain text.

    Chinese gateways send only a template id with parameters (each at most 35 characters, no
    links); a gateway that takes free text sends `text`.
    """

    template: str
    params: Mapping[str, str]
    text: str


@dataclass(frozen=True)
class EmailText:
    """An e-mail: subject, plain text and HTML parts, and the pickup QR to attach as a PNG."""

    subject: str
    text: str
    html: str
    qr: str | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """A carrier's webhook call: its event id (`{locker id}:{audit sequence number}`) and body."""

    event_id: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient on one channel.

    `message_id` stays the same across retries: channels hand it to the provider as an
    idempotency key where the provider takes one (an e-mail's Message-ID, a webhook's event id,
    a gateway's message id).
    """

    message_id: str
    kind: str
    recipient: str
    language: str
    sms: SmsText | None = None
    email: EmailText | None = None
    event: WebhookEvent | None = None


class MessageChannel(Protocol):
    """A way of reaching people: SMS, e-mail, a carrier's webhook, the demo inbox."""

    name: str

    def reaches(self, recipient: str) -> bool:
        """True when this channel can deliver to `recipient` (a phone, an address, a carrier)."""
        ...

    def send(self, message: OutgoingMessage) -> str:
        """Deliver, within the channel's own timeout; returns the provider's receipt id.

        Raises DeliveryError when it could not.
        """
        ...
