"""Faults a simulated bus injects: on the wire between board and host, and inside the board.

Link faults act on the reply bytes, so the board model still does what it was told (a lost
reply is not a lost command). Board faults are named here and played by the board model.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol

from locker.boards.sim.errors import SimulatorError

Handler = Callable[[bytes], bytes]
"""Takes the bytes a board received and returns the bytes it sends back (maybe none)."""


class LinkFault(Enum):
    """Faults on the wire, for every board on the bus."""

    NO_REPLY = "no_reply"
    CORRUPT_BYTE = "corrupt_byte"
    DELAY = "delay"
    UNPLUGGED = "unplugged"


class BoardFault(Enum):
    """Faults of one channel, played by the board model."""

    STUCK_LOCK = "stuck_lock"  # the relay fires but the latch stays locked
    DOOR_LEFT_OPEN = "door_left_open"  # the door stays open whoever tries to close it
    SENSOR_STUCK_ON = "sensor_stuck_on"  # the item sensor always sees something
    SENSOR_STUCK_OFF = "sensor_stuck_off"  # the item sensor never sees anything
    SENSOR_RANDOM = "sensor_random"  # the item sensor reads noise
    # Played by the model because only it knows the frame layout, though the line is to blame:
    # the next status reply shows the channel released, spoiled so that its 8-bit sum still
    # matches (Kerong only; it then switches itself off).
    FALSE_RELEASE = "false_release"
    WRONG_CHANNEL = "wrong_channel"  # the UNLOCK reply names another channel (bridge only)


def board_fault(name: str) -> BoardFault:
    """The board fault of this name, or SimulatorError naming the unknown one."""
    try:
        return BoardFault(name)
    except ValueError:
        raise SimulatorError(f"unknown board fault {name!r}") from None


LINK_FAULTS = frozenset(f.value for f in LinkFault)
BOARD_FAULTS = frozenset(f.value for f in BoardFault)
DEFAULT_DELAY_MS = 500


class Pluggable(Protocol):
    """A port that can be pulled out and put back."""

    def unplug(self) -> None:
        """Close the port so the host's reads and writes fail."""
        ...

    def replug(self) -> None:
        """Open the port again at the same path."""
        ...


class LinkFaults:
    """Wraps a board's handler and spoils its replies on demand: dropped, corrupted or late."""

    def __init__(self, handler: Handler, seed: int = 0) -> None:
        self._handler = handler
        self._port: Pluggable | None = None
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._no_reply = False
        self._corrupt_at: int | None = None  # -1 = a random byte
        self._delay_ms: int | None = None
        self._unplugged = False
        # Set to let every waiting delayed reply go at once (delay switched off, or stopping).
        self._release = threading.Event()
        self._closed = False
        self.dropped = 0
        self.corrupted = 0
        self.delayed = 0

    def attach(self, port: Pluggable) -> None:
        """The port that the `unplugged` fault pulls out."""
        self._port = port

    def __call__(self, data: bytes) -> bytes:
        """Pass the received bytes to the board and spoil its reply as the faults say."""
        reply = self._handler(data)
        if not reply:
            return reply
        with self._lock:
            delay_ms, release = self._delay_ms, self._release
            if delay_ms:
                self.delayed += 1
        if delay_ms:
            release.wait(delay_ms / 1000)
        with self._lock:
            if self._no_reply:
                self.dropped += 1
                return b""
            if self._corrupt_at is not None:
                self.corrupted += 1
                return self._corrupt(reply, self._corrupt_at)
        return reply

    def _corrupt(self, reply: bytes, at: int) -> bytes:
        # Never the STX: the host should see a frame that fails its check, not silence.
        index = self._random.randrange(1, len(reply)) if at < 0 else min(at, len(reply) - 1)
        spoiled = bytearray(reply)
        spoiled[index] ^= 0xFF
        return bytes(spoiled)

    def set_fault(self, name: str, on: bool, value: int | None = None) -> None:
        """Switch a link fault; `value` is the delay in ms, or the index of the corrupted byte."""
        try:
            fault = LinkFault(name)
        except ValueError:
            raise SimulatorError(f"unknown link fault {name!r}") from None
        if value is not None and fault not in (LinkFault.DELAY, LinkFault.CORRUPT_BYTE):
            raise SimulatorError(f"{name} takes no value")
        if value is not None and value < 0:
            raise SimulatorError(f"{name} value must not be negative")
        if fault is LinkFault.UNPLUGGED:
            self._set_unplugged(on)
            return
        with self._lock:
            if fault is LinkFault.NO_REPLY:
                self._no_reply = on
            elif fault is LinkFault.CORRUPT_BYTE:
                self._corrupt_at = (-1 if value is None else value) if on else None
            elif on:
                self._delay_ms = DEFAULT_DELAY_MS if value is None else value
            else:
                self._delay_ms = None
                self._release_waiting()

    def _set_unplugged(self, on: bool) -> None:
        if self._port is None:
            raise SimulatorError("no port attached to unplug")
        if on:
            self._port.unplug()
        else:
            self._port.replug()
        self._unplugged = on

    def _release_waiting(self) -> None:
        release, self._release = self._release, threading.Event()
        if self._closed:
            self._release.set()
        release.set()

    def close(self) -> None:
        """Let any delayed reply go now and stop delaying, so the port's thread can stop."""
        with self._lock:
            self._closed = True
            self._release_waiting()

    def state(self) -> dict[str, Any]:
        """The switches and counters, JSON-able."""
        with self._lock:
            return {
                "no_reply": self._no_reply,
                "corrupt_byte": self._corrupt_at is not None,
                "delay_ms": self._delay_ms,
                "unplugged": self._unplugged,
                "replies_dropped": self.dropped,
                "replies_corrupted": self.corrupted,
                "replies_delayed": self.delayed,
            }
