"""The board of a process that does not own the buses (the CLI): it refuses door commands."""

from __future__ import annotations

from collections.abc import Mapping

from locker.domain.models import Address
from locker.ports import ChannelStatus, UnlockOutcome


class BoardDetachedError(Exception):
    """This process drives no lock boards."""


class DetachedBoard:
    """Raises on every call: only `locker run` (or `locker board`) talks to the boards."""

    def open(self, address: Address, timeout: float = 2.0) -> UnlockOutcome:
        """Refuse: no bus is owned here."""
        raise BoardDetachedError("this command drives no lock boards: use `locker board`")

    def status(self, bus: str, board: int, timeout: float = 2.0) -> Mapping[int, ChannelStatus]:
        """Refuse: no bus is owned here."""
        raise BoardDetachedError("this command drives no lock boards: use `locker board`")
