"""Simulated hardware for the real board logic: locks, doors, item sensors, UART and clocks.

Host-side only (CPython). People act on it through thread-safe methods (close a door, put an
item in, jam a lock) while the board logic runs in another thread.
"""

from __future__ import annotations

import threading
import time

from firmware_bridge.firmware.hal import Hal

# The watchdog main.py starts on the Pico (machine_hal.WATCHDOG_MS).
WATCHDOG_MS = 2000


class ManualClock:
    """Milliseconds that move only when told to: tests and fast-forwarding simulations."""

    def __init__(self, start_ms: int = 0) -> None:
        self._ms = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """The current simulated time."""
        with self._lock:
            return self._ms

    def advance(self, ms: int) -> None:
        """Move time forward."""
        if ms < 0:
            raise ValueError("time does not go back")
        with self._lock:
            self._ms += ms


class RealClock(ManualClock):
    """Real monotonic time since creation, plus any time skipped with advance()."""

    def __init__(self) -> None:
        super().__init__()
        self._start_ns = time.monotonic_ns()

    def now_ms(self) -> int:
        """Real elapsed milliseconds plus the skipped ones."""
        return (time.monotonic_ns() - self._start_ns) // 1_000_000 + super().now_ms()


class _Channel:
    def __init__(self) -> None:
        self.relay = False
        # The latch lets go on a pulse and catches again when the door is shut.
        self.released = False
        self.door_closed = True
        self.item = False
        self.stuck = False
        # Forced reading of a broken door switch, or None while it works.
        self.switch_reads: bool | None = None
        self.fires = 0


class SimulatedHal(Hal):
    """A board's hardware: every door shut and latched and every compartment empty at start."""

    def __init__(
        self,
        channels: int = 16,
        item_sensors: bool = True,
        clock: ManualClock | None = None,
        spring: bool = True,
    ) -> None:
        if not 1 <= channels <= 16:
            raise ValueError("a board has 1-16 channels")
        self.channels = channels
        self.item_sensors = item_sensors
        self.clock = clock if clock is not None else ManualClock()
        # Locker doors carry a kick-out spring: a released door swings open by itself.
        self.spring = spring
        self._lock = threading.RLock()
        self._channels = [_Channel() for _ in range(channels)]
        self._rx = bytearray()
        self._tx = bytearray()
        self.watchdog_feeds = 0
        self._fed_ms = self.clock.now_ms()

    # what the board logic calls

    def set_relay(self, channel: int, on: bool) -> None:
        """A relay switching: a pulse releases the latch unless the lock is stuck."""
        with self._lock:
            ch = self._channel(channel)
            if on and not ch.relay:
                ch.fires += 1
                if not ch.stuck:
                    ch.released = True
                    if self.spring:
                        ch.door_closed = False
            ch.relay = on

    def door_closed(self, channel: int) -> bool:
        """The door switch, or what a broken one reads."""
        with self._lock:
            ch = self._channel(channel)
            return ch.door_closed if ch.switch_reads is None else ch.switch_reads

    def item_present(self, channel: int) -> bool:
        """The item sensor."""
        with self._lock:
            return self._channel(channel).item

    def uart_read(self) -> bytes:
        """Everything the host sent since the last call."""
        with self._lock:
            data = bytes(self._rx)
            self._rx.clear()
            return data

    def uart_write(self, data: bytes) -> None:
        """Bytes for the host, collected until host_read()."""
        with self._lock:
            self._tx += data

    def feed_watchdog(self) -> None:
        """Count the feed and restart the watchdog's countdown."""
        with self._lock:
            self.watchdog_feeds += 1
            self._fed_ms = self.clock.now_ms()

    def millis(self) -> int:
        """The clock's time."""
        return self.clock.now_ms()

    # the host's side of the UART

    def host_write(self, data: bytes) -> None:
        """Bytes from the host, for the board's next uart_read()."""
        with self._lock:
            self._rx += data

    def host_read(self) -> bytes:
        """Take what the board sent."""
        with self._lock:
            data = bytes(self._tx)
            self._tx.clear()
            return data

    def watchdog_expired(self) -> bool:
        """Whether the real watchdog would have reset the chip by now."""
        with self._lock:
            return self.clock.now_ms() - self._fed_ms > WATCHDOG_MS

    def power_cycle(self) -> None:
        """A reset: the relays drop out and the UART's buffers are lost."""
        with self._lock:
            for ch in self._channels:
                ch.relay = False
            self._rx.clear()
            self._tx.clear()
            self._fed_ms = self.clock.now_ms()

    # what people do

    def open_door(self, channel: int, force: bool = False) -> bool:
        """Pull the door; it opens only if the latch let go (or by force). True if it is open."""
        with self._lock:
            ch = self._channel(channel)
            if ch.released or force:
                ch.door_closed = False
            return not ch.door_closed

    def close_door(self, channel: int) -> None:
        """Shut the door; the latch catches it unless the relay still holds it open."""
        with self._lock:
            ch = self._channel(channel)
            ch.door_closed = True
            if not ch.relay:
                ch.released = False

    def put_item(self, channel: int) -> None:
        """Something goes into the compartment."""
        with self._lock:
            self._channel(channel).item = True

    def take_item(self, channel: int) -> None:
        """The compartment is emptied."""
        with self._lock:
            self._channel(channel).item = False

    def set_stuck(self, channel: int, stuck: bool = True) -> None:
        """Jam a lock: its relay still fires but the latch stays shut."""
        with self._lock:
            self._channel(channel).stuck = stuck

    def break_door_switch(self, channel: int, reads_closed: bool | None) -> None:
        """Make a door switch read a fixed value whatever the door does; None repairs it."""
        with self._lock:
            self._channel(channel).switch_reads = reads_closed

    # what tests and the cabinet page look at

    def relay_on(self, channel: int) -> bool:
        """Whether the relay is energised now."""
        with self._lock:
            return self._channel(channel).relay

    def relay_fires(self, channel: int) -> int:
        """How many times the relay switched on."""
        with self._lock:
            return self._channel(channel).fires

    def total_fires(self) -> int:
        """Relay switch-ons over all channels."""
        with self._lock:
            return sum(ch.fires for ch in self._channels)

    def is_door_closed(self, channel: int) -> bool:
        """The real door, whatever its switch reads."""
        with self._lock:
            return self._channel(channel).door_closed

    def is_latched(self, channel: int) -> bool:
        """Whether the latch holds the door (it may still be open, waiting to be shut)."""
        with self._lock:
            return not self._channel(channel).released

    def _channel(self, channel: int) -> _Channel:
        if not 1 <= channel <= self.channels:
            raise ValueError(f"channel {channel} is not on this board (1-{self.channels})")
        return self._channels[channel - 1]
