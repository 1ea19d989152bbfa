"""A lock board held in memory: locks, doors and item sensors, with faults on demand.

It stands behind the LockBoard port in tests and in the demo until a serial driver is
configured. A fired lock releases the latch and the door swings open; `close_door` latches it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from locker.domain.models import Address
from locker.ports import ChannelStatus, UnlockOutcome

CHANNELS = 16


@dataclass
class _Channel:
    locked: bool = True
    door_closed: bool = True
    item_present: bool = False


@dataclass
class InMemoryBoard:
    """Simulated boards on any number of buses; every board has 16 locked, empty channels."""

    stuck: set[Address] = field(default_factory=set)
    silent: set[Address] = field(default_factory=set)
    # Buses whose adapter is unplugged: nothing reaches their boards.
    unplugged: set[str] = field(default_factory=set)
    _channels: dict[Address, _Channel] = field(default_factory=dict)
    opened: list[Address] = field(default_factory=list)
    # Boards without item sensors report None for what is inside.
    sensors: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _channel(self, address: Address) -> _Channel:
        return self._channels.setdefault(address, _Channel())

    def open(self, address: Address, timeout: float = 2.0) -> UnlockOutcome:
        """Fire a lock: a silent channel gives no answer, a stuck one stays latched."""
        with self._lock:
            if address.bus in self.unplugged:
                return UnlockOutcome.NOT_SENT
            if address in self.silent:
                return UnlockOutcome.NO_ANSWER
            self.opened.append(address)
            if address in self.stuck:
                return UnlockOutcome.NOT_CONFIRMED
            channel = self._channel(address)
            channel.locked = False
            channel.door_closed = False
            return UnlockOutcome.CONFIRMED

    def status(self, bus: str, board: int, timeout: float = 2.0) -> Mapping[int, ChannelStatus]:
        """Every channel of one board."""
        with self._lock:
            return {
                n: ChannelStatus(
                    n, c.locked, c.door_closed, c.item_present if self.sensors else None
                )
                for n in range(1, CHANNELS + 1)
                for c in [self._channel(Address(bus, board, n))]
            }

    def close_door(self, address: Address, item_present: bool | None = None) -> None:
        """A person shuts the door; the latch catches it."""
        with self._lock:
            channel = self._channel(address)
            channel.door_closed = True
            channel.locked = True
            if item_present is not None:
                channel.item_present = item_present
