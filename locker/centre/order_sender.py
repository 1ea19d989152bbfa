"""How the centre's orders reach a locker: signed with its service key, then published.

Signing and publishing are two steps so that the nonce is recorded between them: the locker's
answer can come back before `publish` returns, and must find its order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from locker.centre.service_identity import ServiceIdentity
from locker.wire.commands import MAX_LIFETIME_S, Scalar
from locker.wire.topics import LockerTopics

log = logging.getLogger(__name__)


class OrderSender(Protocol):
    """Signs a locker command and publishes it."""

    def sign(
        self, locker_id: str, action: str, args: Mapping[str, Scalar], now: int
    ) -> tuple[str, bytes] | None:
        """(nonce, envelope), or None when the centre cannot sign."""

    def publish(self, locker_id: str, payload: bytes) -> bool:
        """Hand the envelope to the broker; False when it could not be."""


class ServiceSender:
    """The centre's service identity and the command link's publish."""

    def __init__(
        self,
        identity: ServiceIdentity | None,
        publish: Callable[[str, bytes], bool],
        lifetime_s: int = MAX_LIFETIME_S,
    ) -> None:
        self._identity = identity
        self._publish = publish
        self._lifetime_s = lifetime_s

    def sign(
        self, locker_id: str, action: str, args: Mapping[str, Scalar], now: int
    ) -> tuple[str, bytes] | None:
        """A command that lives as long as a command may: it is re-signed when it lapses."""
        if self._identity is None:
            log.warning("no service identity: %s for %s waits unsigned", action, locker_id)
            return None
        return self._identity.sign_with_nonce(locker_id, action, dict(args), now, self._lifetime_s)

    def publish(self, locker_id: str, payload: bytes) -> bool:
        """Publish on the locker's command topic."""
        return self._publish(LockerTopics(locker_id).cmd, payload)
