"""The real board logic on simulated hardware, as a bytes-in, bytes-out handler for a pty.

A pty reader thread calls `board(data)` with what the host wrote and writes back what it
returns. Between calls the clock runs in real time (RealClock), so debouncing and event
retries happen as on a Pico; while an unlock pulse runs, the call skips time ahead instead of
waiting, so the reply comes back at once and no thread sleeps. Tests use a ManualClock and
advance() for fully deterministic runs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from firmware_bridge.firmware.board import FIRMWARE_VERSION, Board
from firmware_bridge.firmware.protocol import PULSE_MAX_MS
from firmware_bridge.sim_hal import ManualClock, RealClock, SimulatedHal

# One simulated main-loop pass per millisecond of skipped time: fine enough for a 30 ms
# debounce, cheap enough to skip a 2 s pulse in a few tens of ms.
TICK_MS = 1
# However a pulse goes, it ends within this; the bound keeps a bug from spinning for ever.
FAST_FORWARD_LIMIT_MS = PULSE_MAX_MS + 500


class SimBoard:
    """One board: the firmware's Board on a SimulatedHal, with faults injected on its replies."""

    def __init__(
        self,
        address: int = 1,
        channels: int = 16,
        item_sensors: bool = True,
        clock: ManualClock | None = None,
        shared_bus: bool = False,
        spring: bool = True,
        firmware: str = FIRMWARE_VERSION,
    ) -> None:
        self.clock = clock if clock is not None else RealClock()
        self.hal = SimulatedHal(channels, item_sensors, self.clock, spring)
        self._options = (address, shared_bus, firmware)
        self.board = Board(self.hal, address, shared_bus, firmware)
        self.resets = 0
        self._drop = 0
        self._corrupt = 0
        self._lock = threading.RLock()

    @property
    def address(self) -> int:
        """The board's bus address."""
        return self.board.address

    def __call__(self, data: bytes) -> bytes:
        """Take bytes from the host; run the board until it has answered; return its bytes."""
        with self._lock:
            self.hal.host_write(data)
            out = self._step()
            return out + self._fast_forward()

    def step(self) -> bytes:
        """One main-loop pass at the clock's time (for a reader thread's idle timeout)."""
        with self._lock:
            return self._step()

    def advance(self, ms: int) -> bytes:
        """Let ms of simulated time pass, one pass per tick; return what the board sent."""
        with self._lock:
            out = b""
            for _ in range(0, ms, TICK_MS):
                self.clock.advance(TICK_MS)
                out += self._step()
            return out

    def drop_replies(self, count: int = 1) -> None:
        """Lose the board's next count writes on the line."""
        with self._lock:
            self._drop += count

    def corrupt_replies(self, count: int = 1) -> None:
        """Garble one byte of each of the board's next count writes."""
        with self._lock:
            self._corrupt += count

    def reset(self) -> None:
        """Power-cycle the board: relays drop, and it forgets its session and its events."""
        with self._lock:
            self.hal.power_cycle()
            address, shared_bus, firmware = self._options
            self.board = Board(self.hal, address, shared_bus, firmware)
            self.resets += 1

    def _step(self) -> bytes:
        self.board.step()
        if self.hal.watchdog_expired():
            self.reset()
        return self._line(self.hal.host_read())

    def _fast_forward(self) -> bytes:
        out = b""
        for _ in range(0, FAST_FORWARD_LIMIT_MS, TICK_MS):
            if not self.board.busy:
                break
            self.clock.advance(TICK_MS)
            out += self._step()
        return out

    def _line(self, data: bytes) -> bytes:
        # What the line does to the board's bytes on their way to the host.
        if not data:
            return data
        if self._drop:
            self._drop -= 1
            return b""
        if self._corrupt:
            self._corrupt -= 1
            middle = len(data) // 2
            return data[:middle] + bytes((data[middle] ^ 0x5A,)) + data[middle + 1 :]
        return data


class SimBus:
    """Several boards on one RS485 bus: every board hears every byte, and answers merge."""

    def __init__(self, boards: Sequence[SimBoard]) -> None:
        clocks = {id(board.clock) for board in boards}
        if len(clocks) != 1:
            raise ValueError("the boards on one bus must share one clock")
        addresses = [board.address for board in boards]
        if len(set(addresses)) != len(addresses):
            raise ValueError(f"two boards share an address: {addresses}")
        self.boards = list(boards)
        self.clock = boards[0].clock
        self._lock = threading.RLock()

    def board(self, address: int) -> SimBoard:
        """The board at an address."""
        for board in self.boards:
            if board.address == address:
                return board
        raise KeyError(address)

    def __call__(self, data: bytes) -> bytes:
        """Bytes from the host reach every board; run them until none owes a reply."""
        with self._lock:
            for board in self.boards:
                board.hal.host_write(data)
            out = self._step()
            for _ in range(0, FAST_FORWARD_LIMIT_MS, TICK_MS):
                if not any(board.board.busy for board in self.boards):
                    break
                self.clock.advance(TICK_MS)
                out += self._step()
            return out

    def step(self) -> bytes:
        """One main-loop pass of every board."""
        with self._lock:
            return self._step()

    def advance(self, ms: int) -> bytes:
        """Let ms of simulated time pass on every board."""
        with self._lock:
            out = b""
            for _ in range(0, ms, TICK_MS):
                self.clock.advance(TICK_MS)
                out += self._step()
            return out

    def _step(self) -> bytes:
        # Boards take turns inside one tick; with the host waiting between commands, only the
        # addressed board (plus its events) speaks, so nothing interleaves.
        out = b""
        for board in self.boards:
            out += board.step()
        return out
