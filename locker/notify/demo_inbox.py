"""The demo's phone inbox: every SMS and e-mail the demo locker sends, kept in memory to be
shown at `/demo/messages` as the recipient would see it."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from locker.message_channel import DEMO, OutgoingMessage

# A demo runs for an afternoon; the newest messages are what people look at.
KEPT = 200


@dataclass(frozen=True)
class Received:
    """One message as it reached the demo phone, numbered in the order it came."""

    number: int
    message: OutgoingMessage


class DemoInbox:
    """A channel that reaches every recipient and keeps what it was given."""

    name = DEMO

    def __init__(self, kept: int = KEPT) -> None:
        self._received: deque[Received] = deque(maxlen=kept)
        self._lock = threading.Lock()
        self._count = 0

    def reaches(self, recipient: str) -> bool:
        """Every phone number and address: the demo has one phone for all of them."""
        return bool(recipient)

    def send(self, message: OutgoingMessage) -> str:
        """Keep the message; a message sent again (same id) is shown once."""
        with self._lock:
            for received in self._received:
                if received.message.message_id == message.message_id:
                    return f"demo-{received.number}"
            self._count += 1
            self._received.append(Received(self._count, message))
            return f"demo-{self._count}"

    def messages(self) -> list[Received]:
        """What the phone received, newest first."""
        with self._lock:
            return list(reversed(self._received))

    def find(self, number: int) -> Received | None:
        """One received message by its number."""
        with self._lock:
            return next((r for r in self._received if r.number == number), None)
