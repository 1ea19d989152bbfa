"""The LockBoard port over several buses: each bus name leads to its driver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from locker.domain.models import Address
from locker.ports import ChannelStatus, UnlockOutcome


class BusDriver(Protocol):
    """What a driver for one bus offers."""

    def open(self, board: int, channel: int, timeout: float = 2.0) -> UnlockOutcome: ...

    def status(self, board: int, timeout: float = 2.0) -> Mapping[int, ChannelStatus]: ...


class UnknownBusError(Exception):
    """The layout names a bus that has no driver."""


class BoardRouter:
    """Routes each call to the driver of the address's bus."""

    def __init__(self, drivers: Mapping[str, BusDriver]) -> None:
        self.drivers = dict(drivers)

    def _driver(self, bus: str) -> BusDriver:
        try:
            return self.drivers[bus]
        except KeyError:
            raise UnknownBusError(f"no driver for bus {bus!r}: check the layout") from None

    def open(self, address: Address, timeout: float = 2.0) -> UnlockOutcome:
        """Fire one lock through its bus's driver."""
        return self._driver(address.bus).open(address.board, address.channel, timeout)

    def status(self, bus: str, board: int, timeout: float = 2.0) -> Mapping[int, ChannelStatus]:
        """Status of one board on one bus."""
        return self._driver(bus).status(board, timeout)
