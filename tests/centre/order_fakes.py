"""A sender that records what the centre's orders would publish, and a clock the test moves."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from locker.wire.commands import Scalar

NOW = 1_790_000_000.0


@dataclass
class Sent:
    """One command as it left: its locker, action, arguments and nonce."""

    locker_id: str
    action: str
    args: dict[str, Any]
    nonce: str


@dataclass
class FakeClock:
    """Seconds since the epoch, moved by the test."""

    now: float = NOW

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RecordingSender:
    """Signs with numbered nonces and records every publication; `up` False is a lost broker.

    `answer`, when set, is called inside `publish` with what was sent, as a quick locker
    answering before the publication returns.
    """

    up: bool = True
    sent: list[Sent] = field(default_factory=list)
    signed: int = 0
    answer: Callable[[Sent], None] | None = None
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sign(
        self, locker_id: str, action: str, args: Mapping[str, Scalar], now: int
    ) -> tuple[str, bytes]:
        with self._lock:
            self.signed += 1
            nonce = f"{next(self._numbers):032x}"
        body = {"locker_id": locker_id, "action": action, "args": dict(args), "nonce": nonce}
        return nonce, json.dumps(body).encode()

    def publish(self, locker_id: str, payload: bytes) -> bool:
        if not self.up:
            return False
        body = json.loads(payload)
        sent = Sent(locker_id, body["action"], body["args"], body["nonce"])
        with self._lock:
            self.sent.append(sent)
        if self.answer is not None:
            self.answer(sent)
        return True

    def actions(self) -> list[str]:
        """The actions published, in order."""
        return [s.action for s in self.sent]


def done(sent: Sent, **outcome: Any) -> dict[str, Any]:
    """The locker's `done` for a command."""
    return {"nonce": sent.nonce, "action": sent.action, "status": "done", "outcome": outcome}


def refused(sent: Sent, code: str, detail: str = "") -> dict[str, Any]:
    """The locker's refusal of a command."""
    return {
        "nonce": sent.nonce,
        "action": sent.action,
        "status": "refused",
        "code": code,
        "detail": detail,
    }
