"""Driver for Kerong KR-CU12/CU16-style boards sharing one RS485 bus.

An unlock is confirmed only by the status reads that follow it: two replies in a row must show
the latch released, because an 8-bit sum cannot be trusted alone. Some boards answer an unlock
with a status frame and some send nothing, so the answer to the unlock is taken if it comes and
ignored if it does not. A Kerong lock latches only when its door is pushed shut, so the lock
feedback bit doubles as the door-closed switch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any

from locker.boards import kerong_protocol as kp
from locker.boards.bus_connection import BusConnection
from locker.boards.serial_bus import BusUnavailableError, SerialBus
from locker.domain.layout import BusSpec
from locker.ports import ChannelStatus, UnlockOutcome

CHANNELS = 16
# How long a board has to answer one frame, and how often an unanswered one is sent again (with
# doubling back-off): the `board_reply_timeout_seconds` and `board_retries` defaults.
REPLY_TIMEOUT_S = 0.25
RETRIES = 2
# A latch takes tens of milliseconds to release after the relay pulse: keep reading the status
# this long before calling the unlock unconfirmed, pausing this long after each read that still
# shows it latched. One status exchange takes about 7 ms on the wire at 19200 baud; a longer
# pause would leave the bus idle after the latch has let go and delay the confirmation by it.
CONFIRM_WINDOW_S = 0.4
CONFIRM_POLL_S = 0.005
# Replies in a row that must show the latch released: the 8-bit sum lets through noise that
# moves one bit up and another down (docs/protocol-kerong.md, "Confirming an unlock"), and two
# independent frames both spoiled the same way is far less likely than one.
CONFIRM_READS = 2


class BoardNotAnsweringError(Exception):
    """A board gave no valid status reply within its retries."""


class KerongDriver:
    """Status and unlock for every Kerong board on one bus."""

    def __init__(
        self,
        bus: SerialBus,
        *,
        locked_bit: int = 1,
        item_sensor_boards: Collection[int] = (),
        reply_timeout_s: float = REPLY_TIMEOUT_S,
        retries: int = RETRIES,
        retry_backoff_s: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bus = bus
        self.locked_bit = locked_bit
        self.item_sensor_boards = frozenset(item_sensor_boards)
        self.reply_timeout_s = reply_timeout_s
        self.retries = retries
        self.retry_backoff_s = retry_backoff_s
        self._sleep = sleep
        self._unlocked: set[tuple[int, int]] = set()
        self._unlocked_lock = threading.Lock()

    def take_unlocked(self) -> set[tuple[int, int]]:
        """The (board, channel) pairs confirmed unlocked since the last call."""
        with self._unlocked_lock:
            taken, self._unlocked = self._unlocked, set()
        return taken

    def _status_reply_of(self, board: int) -> Callable[[Any], bool]:
        return lambda frame: isinstance(frame, kp.StatusReply) and frame.board == board

    def _ask(self, frame: bytes, accept: Callable[[Any], bool] | None, timeout_s: float) -> Any:
        future = self.bus.exchange(frame, accept, timeout_s)
        try:
            return future.result(timeout=timeout_s + 1.0)
        except FutureTimeoutError:
            return None

    def read_status(self, board: int) -> kp.StatusReply:
        """One board's status frame, retried with back-off; BoardNotAnsweringError after that."""
        for attempt in range(self.retries + 1):
            reply = self._ask(
                kp.status_frame(board), self._status_reply_of(board), self.reply_timeout_s
            )
            if reply is not None:
                return reply  # type: ignore[no-any-return]
            if attempt < self.retries:
                self._sleep(self.retry_backoff_s * (2**attempt))
        raise BoardNotAnsweringError(f"board {board} on {self.bus.url} does not answer")

    def _channels(self, reply: kp.StatusReply) -> dict[int, ChannelStatus]:
        sensors = reply.board in self.item_sensor_boards
        channels = {}
        for channel in range(1, CHANNELS + 1):
            locked = reply.locked(channel, self.locked_bit)
            item = reply.item_present(channel) if sensors else None
            channels[channel] = ChannelStatus(channel, locked, locked, item)
        return channels

    def status(self, board: int, timeout: float = 2.0) -> Mapping[int, ChannelStatus]:
        """Every channel of one board."""
        return self._channels(self.read_status(board))

    def open(self, board: int, channel: int, timeout: float = 2.0) -> UnlockOutcome:
        """Fire one lock; confirmed once two status reads running agree the latch let go."""
        if not self.bus.connected:
            return UnlockOutcome.NOT_SENT
        try:
            for _ in range(2):
                # Some boards answer with a status frame, some say nothing: either way the
                # status reads below take the first status frames of this board that arrive.
                self.bus.exchange(kp.unlock_frame(board, channel), None, 0).result(timeout=1.0)
                if self._released(board, channel):
                    with self._unlocked_lock:
                        self._unlocked.add((board, channel))
                    return UnlockOutcome.CONFIRMED
                # Still latched: the unlock frame may have been lost on the line. Firing a
                # second time is harmless; a stuck lock stays latched and is reported.
            return UnlockOutcome.NOT_CONFIRMED
        except (BoardNotAnsweringError, BusUnavailableError, FutureTimeoutError):
            return UnlockOutcome.NO_ANSWER

    def _released(self, board: int, channel: int) -> bool:
        """Read the status until CONFIRM_READS replies in a row show the latch released, or
        the window closes; a read already saying released always gets its second opinion."""
        deadline = time.monotonic() + CONFIRM_WINDOW_S
        agreeing = 0
        while True:
            if self.read_status(board).locked(channel, self.locked_bit):
                agreeing = 0
            else:
                agreeing += 1
                if agreeing >= CONFIRM_READS:
                    return True
                continue
            if time.monotonic() >= deadline:
                return False
            self._sleep(CONFIRM_POLL_S)


def connect_kerong(
    spec: BusSpec,
    url: str,
    *,
    reply_timeout_s: float | None = None,
    retries: int | None = None,
) -> BusConnection:
    """Open a Kerong bus: its boards send no events, so their status is polled."""
    bus = SerialBus(url, kp.KerongDecoder, baudrate=spec.baud)
    driver = KerongDriver(
        bus,
        locked_bit=spec.locked_bit,
        item_sensor_boards=spec.item_sensor_boards,
        reply_timeout_s=REPLY_TIMEOUT_S if reply_timeout_s is None else reply_timeout_s,
        retries=RETRIES if retries is None else retries,
    )
    bus.start()
    return BusConnection(spec, bus, driver, pushes_events=False)
