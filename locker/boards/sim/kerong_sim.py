"""Kerong KR-CU12/CU16-style boards on one bus: locks, doors and item sensors, with faults.

The model answers the real frames of `kerong_protocol` and plugs into a port as its handler.
People act on it through thread-safe methods (close a door, put an item in), which the
control server exposes to tests and demos.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from locker.boards import kerong_protocol as kp
from locker.boards.sim.errors import SimulatorError
from locker.boards.sim.faults import BoardFault, board_fault


@dataclass
class _Channel:
    locked: bool = True
    door_closed: bool = True
    item: bool = False
    fired: int = 0
    faults: set[BoardFault] = field(default_factory=set)


class KerongSimulator:
    """`boards` boards of 16 channels, each locked, closed and empty at start."""

    # A Kerong board only ever answers, so it needs no running while the host is silent.
    idle_tick_s: float | None = None

    def __init__(
        self,
        boards: int = 1,
        locked_bit: int = 1,
        item_sensors: bool = True,
        unlock_replies_with_status: bool = False,
        seed: int = 0,
    ) -> None:
        if not 1 <= boards <= kp.BOARDS:
            raise SimulatorError(f"a bus holds 1-{kp.BOARDS} boards, not {boards}")
        if locked_bit not in (0, 1):
            raise SimulatorError(f"locked_bit must be 0 or 1, not {locked_bit}")
        self.boards = boards
        self.locked_bit = locked_bit
        self.item_sensors = item_sensors
        self.unlock_replies_with_status = unlock_replies_with_status
        self._channels = [[_Channel() for _ in range(kp.CHANNELS)] for _ in range(boards)]
        self._decoder = kp.KerongDecoder()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.commands = 0

    # the wire

    def __call__(self, data: bytes) -> bytes:
        """Take bytes off the bus and return the boards' answers."""
        with self._lock:
            frames = self._decoder.feed(data)
            return b"".join(
                self._answer(frame) for frame in frames if isinstance(frame, kp.Command)
            )

    def _answer(self, command: kp.Command) -> bytes:
        if command.board >= self.boards:
            return b""  # nobody at that address, so nobody answers
        self.commands += 1
        board = self._channels[command.board]
        if command.code in (kp.CMD_STATUS, kp.CMD_STATUS_ALL):
            return self._status(command.board)
        if command.code == kp.CMD_UNLOCK:
            self._fire(board[command.channel - 1])
        else:
            for channel in board:
                self._fire(channel)
        return self._status(command.board) if self.unlock_replies_with_status else b""

    def _fire(self, channel: _Channel) -> None:
        channel.fired += 1
        if BoardFault.STUCK_LOCK in channel.faults:
            return
        # The latch lets go and the door's spring pushes it ajar.
        channel.locked = False
        channel.door_closed = False

    def _status(self, board: int) -> bytes:
        lock_bits = item_bits = 0
        for index, channel in enumerate(self._channels[board]):
            if channel.locked == (self.locked_bit == 1):
                lock_bits |= 1 << index
            if self._item_seen(channel):
                item_bits |= 1 << index
        reply = kp.encode_status_reply(board, lock_bits, item_bits)
        for number, channel in enumerate(self._channels[board], start=1):
            if BoardFault.FALSE_RELEASE in channel.faults:
                channel.faults.discard(BoardFault.FALSE_RELEASE)
                reply = false_release(reply, number, self.locked_bit)
        return reply

    def _item_seen(self, channel: _Channel) -> bool:
        if not self.item_sensors:
            return False
        if BoardFault.SENSOR_STUCK_ON in channel.faults:
            return True
        if BoardFault.SENSOR_STUCK_OFF in channel.faults:
            return False
        if BoardFault.SENSOR_RANDOM in channel.faults:
            return self._random.random() < 0.5
        return channel.item

    # people at the locker

    def close_door(self, board: int, channel: int) -> bool:
        """Someone pushes the door shut and the latch catches; False if a fault holds it open."""
        with self._lock:
            state = self._channel(board, channel)
            if BoardFault.DOOR_LEFT_OPEN in state.faults:
                return False
            state.door_closed = True
            state.locked = True
            return True

    def open_by_hand(self, board: int, channel: int) -> None:
        """The door is forced or opened with a key: unlocked and open, with no command."""
        with self._lock:
            state = self._channel(board, channel)
            state.locked = False
            state.door_closed = False

    def put_item(self, board: int, channel: int) -> None:
        """Something now lies in the compartment (the door is not checked: a bench shortcut)."""
        with self._lock:
            self._channel(board, channel).item = True

    def take_item(self, board: int, channel: int) -> None:
        """The compartment is now empty."""
        with self._lock:
            self._channel(board, channel).item = False

    def set_fault(
        self, name: str, on: bool, board: int | None = None, channel: int | None = None
    ) -> None:
        """Switch a board fault on one channel; no board means every board, no channel every one."""
        fault = board_fault(name)
        if fault is BoardFault.WRONG_CHANNEL:
            raise SimulatorError("a Kerong unlock has no reply naming a channel: no wrong_channel")
        with self._lock:
            for state in self._select(board, channel):
                if on:
                    state.faults.add(fault)
                else:
                    state.faults.discard(fault)

    def state(self) -> dict[str, Any]:
        """Every board and channel as the bench sees it (not as the host reads it), JSON-able."""
        with self._lock:
            return {
                "driver": "kerong",
                "locked_bit": self.locked_bit,
                "item_sensors": self.item_sensors,
                "unlock_replies_with_status": self.unlock_replies_with_status,
                "commands": self.commands,
                "frames_dropped": self._decoder.dropped,
                "boards": [
                    {
                        "board": b,
                        "channels": [
                            {
                                "channel": c,
                                "locked": state.locked,
                                "door_closed": state.door_closed,
                                "item": state.item,
                                "fired": state.fired,
                                "faults": sorted(f.value for f in state.faults),
                            }
                            for c, state in enumerate(channels, start=1)
                        ],
                    }
                    for b, channels in enumerate(self._channels)
                ],
            }

    def _channel(self, board: int, channel: int) -> _Channel:
        self._check(board, channel)
        return self._channels[board][channel - 1]

    def _select(self, board: int | None, channel: int | None) -> list[_Channel]:
        if board is None and channel is not None:
            raise SimulatorError("a channel needs a board")
        boards = range(self.boards) if board is None else [board]
        channels = range(1, kp.CHANNELS + 1) if channel is None else [channel]
        return [self._channel(b, c) for b in boards for c in channels]

    def _check(self, board: int, channel: int) -> None:
        if not 0 <= board < self.boards:
            raise SimulatorError(f"no board {board} (boards 0-{self.boards - 1})")
        if not 1 <= channel <= kp.CHANNELS:
            raise SimulatorError(f"no channel {channel} (channels 1-{kp.CHANNELS})")


def false_release(reply: bytes, channel: int, locked_bit: int) -> bytes:
    """A status reply spoiled by noise that an 8-bit sum cannot see: the channel's lock bit
    reads released, and its item byte moves by as much the other way, so SUM still matches."""
    index = channel - 1
    lock_at, item_at, bit = 3 + index // 8, 5 + index // 8, 1 << index % 8
    spoiled = bytearray(reply)
    released = spoiled[lock_at] & ~bit | (0 if locked_bit == 1 else bit)
    delta = released - spoiled[lock_at]
    spoiled[lock_at] = released
    spoiled[item_at] = (spoiled[item_at] - delta) & 0xFF
    return bytes(spoiled)
