"""Driver for our own bridge boards (docs/protocol-bridge.md) sharing one bus.

Stop-and-wait per bus: a new sequence number for each new command, the same bytes for a
retransmit, so a retransmitted unlock never fires twice. A board that restarted answers
"not identified"; the driver then opens a new session with IDENTIFY and sends the command
again under a new number. Door events are hints: the driver acknowledges them and asks the
status poller to read STATUS, which is the truth.

Layout board numbers start at 0 like Kerong's; a bridge board's address is that number + 1,
because address 0 is reserved on the wire.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any

from firmware_bridge.firmware import payloads
from firmware_bridge.firmware import protocol as bp
from locker.boards.bus_connection import BusConnection
from locker.boards.serial_bus import BusUnavailableError, SerialBus
from locker.domain.layout import BusSpec
from locker.ports import ChannelStatus, UnlockOutcome

log = logging.getLogger(__name__)

CHANNELS = 16
# After a "fired but the door did not open" reply, a spring-loaded door may still be on its way.
DOOR_SETTLE_S = 0.1


class BridgeError(Exception):
    """A bridge board refused a command or did not answer."""


class BridgeDriver:
    """Status and unlock for every bridge board on one bus."""

    def __init__(
        self,
        bus: SerialBus,
        *,
        pulse_ms: int = 500,
        reply_timeout_s: float = bp.REPLY_TIMEOUT_MS / 1000,
        retries: int = bp.RETRIES,
        item_sensor_boards: Collection[int] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bus = bus
        self.pulse_ms = pulse_ms
        self.reply_timeout_s = reply_timeout_s
        self.retries = retries
        self.item_sensor_boards = item_sensor_boards
        self._sleep = sleep
        self._seq: dict[int, int] = {}
        self._identified: set[int] = set()
        self._last_event: dict[int, int] = {}
        self._unlocked: set[tuple[int, int]] = set()
        self._lock = threading.Lock()
        self.on_door_hint: Callable[[], None] = lambda: None

    # -- sessions and retransmits ------------------------------------------------------------

    def _next_seq(self, address: int) -> int:
        seq = bp.next_seq(self._seq.get(address, 0))
        self._seq[address] = seq
        return seq

    def _send(self, address: int, code: int, payload: bytes, timeout_s: float) -> bp.Frame:
        """One command: retransmitted with doubling waits, then BridgeError."""
        seq = self._next_seq(address)
        frame = bp.encode_frame(address, seq, code, payload)
        wanted = code | bp.RESPONSE_BIT

        def accept(reply: Any) -> bool:
            return (
                isinstance(reply, bp.Frame)
                and reply.address == address
                and reply.seq == seq
                and reply.code in (wanted, bp.RSP_ERROR)
            )

        wait = timeout_s
        for _ in range(self.retries + 1):
            try:
                reply = self.bus.exchange(frame, accept, wait).result(timeout=wait + 1.0)
            except FutureTimeoutError:
                reply = None
            if reply is not None:
                return reply  # type: ignore[no-any-return]
            wait *= 2
        raise BridgeError(f"bridge board {address} on {self.bus.url} does not answer")

    def _identify(self, address: int) -> payloads.Identity:
        reply = self._send(address, bp.CMD_IDENTIFY, b"", self.reply_timeout_s)
        if reply.code != bp.RSP_IDENTIFY:
            raise BridgeError(f"bridge board {address} refused IDENTIFY")
        self._identified.add(address)
        self._last_event.pop(address, None)
        return payloads.decode_identify(reply.payload)

    def _command(self, board: int, code: int, payload: bytes, timeout_s: float) -> bp.Frame:
        """Send in an open session, opening one first (and again after a board restart)."""
        address = board + 1
        with self._lock:
            for _ in range(2):
                if address not in self._identified:
                    self._identify(address)
                reply = self._send(address, code, payload, timeout_s)
                if reply.code != bp.RSP_ERROR:
                    return reply
                error = payloads.decode_error(reply.payload)
                if error in (bp.ERR_NOT_IDENTIFIED, bp.ERR_SEQ):
                    self._identified.discard(address)
                    self.on_door_hint()  # it restarted: what it knows may have changed
                    continue
                raise BridgeError(f"bridge board {address} answered error {error}")
            raise BridgeError(f"bridge board {address} keeps refusing the session")

    # -- the driver's face -------------------------------------------------------------------

    def status(self, board: int, timeout: float = 2.0) -> Mapping[int, ChannelStatus]:
        """Every channel of one board: relay, door switch and item sensor."""
        reply = self._command(board, bp.CMD_STATUS, b"", self.reply_timeout_s)
        status = payloads.decode_status(reply.payload)
        sensors = status.item_sensors and (
            self.item_sensor_boards is None or board in self.item_sensor_boards
        )
        channels = {}
        for channel in range(1, status.channels + 1):
            state = status.state(channel)
            channels[channel] = ChannelStatus(
                channel,
                bool(state & bp.STATE_LOCKED) and bool(state & bp.STATE_DOOR_CLOSED),
                bool(state & bp.STATE_DOOR_CLOSED),
                bool(state & bp.STATE_ITEM_PRESENT) if sensors else None,
            )
        return channels

    def open(self, board: int, channel: int, timeout: float = 2.0) -> UnlockOutcome:
        """Fire one lock; confirmed only when a reply for this channel shows its door open."""
        if not self.bus.connected:
            return UnlockOutcome.NOT_SENT
        wait = bp.unlock_reply_timeout_ms(self.pulse_ms) / 1000
        try:
            reply = self._command(
                board, bp.CMD_UNLOCK, payloads.encode_unlock(channel, self.pulse_ms), wait
            )
            result = payloads.decode_unlock_reply(reply.payload)
            if result.channel != channel:
                # A retransmit would only fetch the same stored reply, and a new command could
                # fire yet another door: the use case flags the door and a person looks.
                log.error(
                    "bridge board %d answered an UNLOCK of channel %d for channel %d",
                    board + 1,
                    channel,
                    result.channel,
                )
                return UnlockOutcome.NOT_CONFIRMED
            opened = result.door_opened
            if not opened and result.fired:
                self._sleep(DOOR_SETTLE_S)
                opened = not self.status(board)[channel].door_closed
        except (BridgeError, BusUnavailableError):
            return UnlockOutcome.NO_ANSWER
        except bp.ProtocolError as error:
            log.error("bridge board %d sent a malformed UNLOCK reply: %s", board + 1, error)
            return UnlockOutcome.NOT_CONFIRMED
        if not opened:
            return UnlockOutcome.NOT_CONFIRMED
        with self._lock:
            self._unlocked.add((board, channel))
        return UnlockOutcome.CONFIRMED

    def take_unlocked(self) -> set[tuple[int, int]]:
        """The (board, channel) pairs confirmed unlocked since the last call."""
        with self._lock:
            taken, self._unlocked = self._unlocked, set()
        return taken

    def on_frame(self, frame: Any) -> None:
        """An unsolicited frame (on the bus thread): acknowledge events, pass on the hint."""
        if not isinstance(frame, bp.Frame) or frame.code != bp.EVENT:
            return
        # Acknowledge even a duplicate, or the board keeps resending it; act on it once.
        self.bus.exchange(bp.encode_frame(frame.address, frame.seq, bp.CMD_ACK), None, 0)
        if self._last_event.get(frame.address) == frame.seq:
            return
        self._last_event[frame.address] = frame.seq
        self.on_door_hint()


def connect_bridge(
    spec: BusSpec,
    url: str,
    *,
    reply_timeout_s: float | None = None,
    retries: int | None = None,
) -> BusConnection:
    """Open a bridge bus. Without settings its timing is the protocol's own
    (docs/protocol-bridge.md, Timing); item sensors count only on the spec's sensor boards.
    Door events reach the poller through `on_door_hint`, so the status is still polled."""
    bus = SerialBus(url, bp.Decoder, baudrate=spec.baud)
    driver = BridgeDriver(
        bus,
        pulse_ms=spec.pulse_ms,
        reply_timeout_s=bp.REPLY_TIMEOUT_MS / 1000 if reply_timeout_s is None else reply_timeout_s,
        retries=bp.RETRIES if retries is None else retries,
        item_sensor_boards=spec.item_sensor_boards,
    )
    bus.on_unsolicited = driver.on_frame
    bus.start()
    return BusConnection(spec, bus, driver, pushes_events=False)
