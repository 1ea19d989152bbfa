"""The bridge firmware's own board logic (firmware_bridge.sim_board) behind a bench.

Boards sit at bus addresses 1..N, the bridge protocol's numbering, so `close 1 3` means the
board at address 1. The firmware keeps real time, debounces doors and sends door events, so
the port runs it every `idle_tick_s` while the host is silent; without that its watchdog
would reset it after two quiet seconds.
"""

from __future__ import annotations

import threading
from typing import Any

from firmware_bridge.firmware import protocol as bp
from firmware_bridge.sim_board import SimBoard, SimBus
from firmware_bridge.sim_hal import RealClock, SimulatedHal
from locker.boards.sim.errors import SimulatorError
from locker.boards.sim.faults import BoardFault, board_fault

CHANNELS = 16
# Well inside the firmware's 30 ms debounce and 2 s watchdog (firmware_bridge/firmware).
IDLE_TICK_S = 0.005
# firmware_bridge/firmware/main.py, BAUDRATE.
DEFAULT_BAUD = 115200


class BridgeSimulator:
    """`boards` bridge boards of 16 channels on one bus, sharing one real-time clock."""

    idle_tick_s: float | None = IDLE_TICK_S

    def __init__(self, boards: int = 1, item_sensors: bool = True) -> None:
        if not 1 <= boards <= 16:
            raise SimulatorError(f"a simulated bridge bus holds 1-16 boards, not {boards}")
        clock = RealClock()
        # On a shared bus a board speaks only after its own reply; alone it may speak at once.
        self.boards = [
            SimBoard(
                address=address,
                channels=CHANNELS,
                item_sensors=item_sensors,
                clock=clock,
                shared_bus=boards > 1,
            )
            for address in range(1, boards + 1)
        ]
        self._bus = SimBus(self.boards)
        self._held_open: set[tuple[int, int]] = set()
        self._stuck: set[tuple[int, int]] = set()
        self._wrong_channel: set[tuple[int, int]] = set()
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> bytes:
        """Take bytes off the bus (b"" just runs the boards) and return what they send."""
        out = self._bus(data)
        with self._lock:
            wrong = set(self._wrong_channel)
        return _misname_unlocks(out, wrong) if wrong and out else out

    def close_door(self, board: int, channel: int) -> bool:
        """Shut a door; False if a door_left_open fault holds it open."""
        hal = self._hal(board, channel)
        with self._lock:
            if (board, channel) in self._held_open:
                return False
        hal.close_door(channel)
        return True

    def open_by_hand(self, board: int, channel: int) -> None:
        """Force a door open with no command."""
        self._hal(board, channel).open_door(channel, force=True)

    def put_item(self, board: int, channel: int) -> None:
        """Something now lies in the compartment."""
        self._hal(board, channel).put_item(channel)

    def take_item(self, board: int, channel: int) -> None:
        """The compartment is now empty."""
        self._hal(board, channel).take_item(channel)

    def set_fault(
        self, name: str, on: bool, board: int | None = None, channel: int | None = None
    ) -> None:
        """Switch stuck_lock, door_left_open or wrong_channel; it has no broken item sensor."""
        fault = board_fault(name)
        if fault not in (
            BoardFault.STUCK_LOCK,
            BoardFault.DOOR_LEFT_OPEN,
            BoardFault.WRONG_CHANNEL,
        ):
            raise SimulatorError(f"the bridge simulator does not model {name}")
        if board is None and channel is not None:
            raise SimulatorError("a channel needs a board")
        boards = range(1, len(self.boards) + 1) if board is None else [board]
        channels = range(1, CHANNELS + 1) if channel is None else [channel]
        targets = [(b, c) for b in boards for c in channels]
        for b, c in targets:
            self._hal(b, c)
        with self._lock:
            chosen = {
                BoardFault.STUCK_LOCK: self._stuck,
                BoardFault.DOOR_LEFT_OPEN: self._held_open,
                BoardFault.WRONG_CHANNEL: self._wrong_channel,
            }[fault]
            if on:
                chosen.update(targets)
            else:
                chosen.difference_update(targets)
        if fault is BoardFault.STUCK_LOCK:
            for b, c in targets:
                self._hal(b, c).set_stuck(c, on)

    def state(self) -> dict[str, Any]:
        """Every board and channel as the bench sees it, JSON-able."""
        with self._lock:
            stuck, held_open = set(self._stuck), set(self._held_open)
            wrong_channel = set(self._wrong_channel)
        return {
            "driver": "bridge",
            "boards": [
                {
                    "board": sim.address,
                    "resets": sim.resets,
                    "channels": [
                        {
                            "channel": c,
                            "locked": sim.hal.is_latched(c),
                            "door_closed": sim.hal.is_door_closed(c),
                            "item": sim.hal.item_present(c),
                            "fired": sim.hal.relay_fires(c),
                            "relay_on": sim.hal.relay_on(c),
                            "faults": sorted(
                                fault
                                for fault, held in (
                                    ("door_left_open", held_open),
                                    ("stuck_lock", stuck),
                                    ("wrong_channel", wrong_channel),
                                )
                                if (sim.address, c) in held
                            ),
                        }
                        for c in range(1, CHANNELS + 1)
                    ],
                }
                for sim in self.boards
            ],
        }

    def _hal(self, board: int, channel: int) -> SimulatedHal:
        if not 1 <= board <= len(self.boards):
            raise SimulatorError(f"no board {board} (addresses 1-{len(self.boards)})")
        if not 1 <= channel <= CHANNELS:
            raise SimulatorError(f"no channel {channel} (channels 1-{CHANNELS})")
        return self.boards[board - 1].hal


def _misname_unlocks(out: bytes, wrong: set[tuple[int, int]]) -> bytes:
    """The boards' bytes with each UNLOCK reply of a wrong_channel channel naming the next
    channel instead, under a good CRC: what a firmware or wiring mix-up would send."""
    decoder = bp.Decoder()
    frames = decoder.feed(out)
    if decoder.buffered or decoder.skipped or decoder.dropped:
        return out  # not whole frames (a link fault's work): leave them be
    spoiled = b""
    for frame in frames:
        payload = frame.payload
        if frame.code == bp.RSP_UNLOCK and (frame.address, payload[0]) in wrong:
            payload = bytes((payload[0] % CHANNELS + 1,)) + payload[1:]
        spoiled += bp.encode_frame(frame.address, frame.seq, frame.code, payload)
    return spoiled
