"""The board's logic: runs commands, pulses relays, debounces doors and reports door events.

It reaches the hardware only through a Hal and imports no `machine`, so CPython and the
MicroPython unix port run it on simulated hardware. Nothing here blocks: main.py calls
Board.step() in a loop, and every timed thing is a deadline checked on the next pass.
"""

from . import payloads as pl
from . import protocol as p
from .debounce import Debouncer
from .hal import Hal

# Reported by IDENTIFY; printable ASCII, 29 bytes at most.
FIRMWARE_VERSION = "bridge-fw 0.1.0"
# A relay switched off later than its deadline by more than this means the loop stalled (a
# MicroPython GC pause is a few ms); the board stops feeding the watchdog and resets.
RELAY_GRACE_MS = 100
# Events kept while the host is away; the oldest goes first (STATUS still tells the truth).
EVENT_QUEUE_MAX = 8


class _Outgoing:
    """An event waiting for the host's ACK."""

    def __init__(self, seq: int, payload: bytes) -> None:
        self.seq = seq
        self.payload = payload
        self.tries = 0
        self.sent_ms = 0


class Board:
    """One lock board at one bus address; call step() from the main loop, as often as it can."""

    def __init__(
        self, hal: Hal, address: int, shared_bus: bool = False, firmware: str = FIRMWARE_VERSION
    ) -> None:
        channels = hal.channels
        # Relays off before anything else: a reset must never leave a lock energised.
        for channel in range(1, channels + 1):
            hal.set_relay(channel, False)
        if not p.ADDRESS_MIN <= address <= p.ADDRESS_MAX:
            raise ValueError("address must be 1-254")
        # Checked now rather than at the first IDENTIFY.
        pl.encode_identify(channels, hal.item_sensors, firmware)
        self.hal = hal
        self.address = address
        # On a shared RS485 bus a board speaks only right after its own reply, so events wait
        # for the host's next poll; on a point-to-point line they go out at once.
        self.shared_bus = shared_bus
        self.firmware = firmware
        self.channels = channels
        now = hal.millis()
        self.boot_ms = now
        self._last_ms = now
        self._rx_ms = now
        self.decoder = p.Decoder()
        self._doors = Debouncer([hal.door_closed(c) for c in range(1, channels + 1)], p.DEBOUNCE_MS)
        items = [hal.item_present(c) if hal.item_sensors else False for c in range(1, channels + 1)]
        self._items = Debouncer(items, p.DEBOUNCE_MS)
        # Per channel: the time its energised relay must be off, or None while it is off.
        self._relay_off_at: list[int | None] = [None] * channels
        # Idempotency: the last command run (seq, then code and payload) and its reply frame.
        self.identified = False
        self._last_seq = -1
        self._last_key: tuple[int, bytes] | None = None
        self._last_reply: bytes | None = None
        # The UNLOCK whose reply waits for its pulse to end: (seq, key, channel).
        self._pending: tuple[int, tuple[int, bytes], int] | None = None
        # Unacknowledged events, oldest first.
        self._events: list[_Outgoing] = []
        self._event_seq = 0
        # What this pass sends, written in one go so that an event follows its reply with no gap.
        self._out = b""
        self.heartbeats = 0
        self.events_dropped = 0
        self.relay_fires = 0
        # Why the board stopped feeding the watchdog; None while healthy.
        self.fault: str | None = None

    @property
    def busy(self) -> bool:
        """An unlock pulse is running and its reply is owed."""
        return self._pending is not None

    @property
    def pending_events(self) -> int:
        """Events not yet acknowledged by the host."""
        return len(self._events)

    def step(self) -> None:
        """One pass of the main loop: inputs, relays, the UART, events, then the watchdog."""
        hal = self.hal
        now = hal.millis()
        if now < self._last_ms:
            self._fail("clock went back")
        self._last_ms = now
        self._read_inputs(now)
        self._end_pulses(now)
        data = hal.uart_read()
        if data:
            self._rx_ms = now
            frames = self.decoder.feed(data)
        elif self.decoder.buffered and now - self._rx_ms >= p.RX_IDLE_MS:
            frames = self.decoder.idle()
        else:
            frames = []
        for frame in frames:
            self._handle(frame, now)
        self._send_event(now)
        if self._out:
            hal.uart_write(self._out)
            self._out = b""
        # Fed only from here, after a whole healthy pass: a stuck loop or a fault resets the chip.
        if self.fault is None:
            hal.feed_watchdog()

    def state(self, channel: int) -> int:
        """One channel's state byte from the debounced inputs."""
        i = channel - 1
        state = 0 if self._relay_off_at[i] is not None else p.STATE_LOCKED
        if self._doors.state[i]:
            state |= p.STATE_DOOR_CLOSED
        if self.hal.item_sensors:
            state |= p.STATE_ITEM_SENSOR
            if self._items.state[i]:
                state |= p.STATE_ITEM_PRESENT
        return state

    def _fail(self, reason: str) -> None:
        if self.fault is None:
            self.fault = reason
        for channel in range(1, self.channels + 1):
            self.hal.set_relay(channel, False)
            self._relay_off_at[channel - 1] = None
        self._pending = None

    def _read_inputs(self, now: int) -> None:
        hal = self.hal
        for i in range(self.channels):
            channel = i + 1
            if hal.item_sensors:
                self._items.update(i, hal.item_present(channel), now)
            if self._doors.update(i, hal.door_closed(channel), now):
                kind = p.EVENT_DOOR_CLOSED if self._doors.state[i] else p.EVENT_DOOR_OPENED
                self._queue_event(channel, kind, now)

    def _end_pulses(self, now: int) -> None:
        for i in range(self.channels):
            off_at = self._relay_off_at[i]
            if off_at is None:
                continue
            # Once the door is seen open the latch has done its job; more current only heats it.
            if now < off_at and self._doors.state[i]:
                continue
            channel = i + 1
            self.hal.set_relay(channel, False)
            self._relay_off_at[i] = None
            if now - off_at > RELAY_GRACE_MS:
                self._fail("relay " + str(channel) + " overran its pulse")
                return
            pending = self._pending
            if pending is not None and pending[2] == channel:
                self._pending = None
                self._last_reply = self._reply(
                    pending[0],
                    p.RSP_UNLOCK,
                    pl.encode_unlock_reply(channel, True, self.state(channel)),
                )
                self._send(self._last_reply)

    def _handle(self, frame: p.Frame, now: int) -> None:
        if frame.address != self.address or frame.code & p.RESPONSE_BIT:
            return  # another board's frame, or a reply echoed back on a half-duplex bus
        if frame.code == p.CMD_ACK:
            self._ack(frame.seq)
            return
        key = (frame.code, frame.payload)
        pending = self._pending
        if pending is not None:
            if frame.seq == pending[0] and key == pending[1]:
                return  # a retransmit of the running unlock: its reply comes when the pulse ends
            self._send(self._error(frame.seq, p.ERR_BUSY))
            return
        # IDENTIFY always runs: it starts a session with any seq, so a restarted host (or a
        # restarted board) gets back in step. Everything else needs a session and a newer seq.
        if frame.code != p.CMD_IDENTIFY:
            if not self.identified:
                self._send(self._error(frame.seq, p.ERR_NOT_IDENTIFIED))
                return
            if frame.seq == self._last_seq and self._last_reply is not None:
                # A retransmit: the same reply again, and nothing runs twice.
                if key == self._last_key:
                    self._send(self._last_reply)
                else:
                    self._send(self._error(frame.seq, p.ERR_SEQ))
                return
            if not p.seq_is_newer(frame.seq, self._last_seq):
                self._send(self._error(frame.seq, p.ERR_SEQ))
                return
        self._last_seq = frame.seq
        self._last_key = key
        self._last_reply = self._execute(frame, now)
        if self._last_reply is not None:
            self._send(self._last_reply)

    def _execute(self, frame: p.Frame, now: int) -> bytes | None:
        code = frame.code
        if code == p.CMD_IDENTIFY:
            self.identified = True
            payload = pl.encode_identify(self.channels, self.hal.item_sensors, self.firmware)
            return self._reply(frame.seq, p.RSP_IDENTIFY, payload)
        if code == p.CMD_STATUS:
            return self._reply(frame.seq, p.RSP_STATUS, self._status())
        if code == p.CMD_HEARTBEAT:
            self.heartbeats += 1
            payload = pl.encode_heartbeat(
                now - self.boot_ms, self.heartbeats, self.decoder.dropped, len(self._events)
            )
            return self._reply(frame.seq, p.RSP_HEARTBEAT, payload)
        if code == p.CMD_UNLOCK:
            return self._unlock(frame, now)
        return self._error(frame.seq, p.ERR_UNKNOWN_COMMAND)

    def _unlock(self, frame: p.Frame, now: int) -> bytes | None:
        try:
            request = pl.decode_unlock(frame.payload)
        except p.ProtocolError:
            return self._error(frame.seq, p.ERR_BAD_PAYLOAD)
        channel = request.channel
        if not 1 <= channel <= self.channels:
            return self._error(frame.seq, p.ERR_BAD_CHANNEL)
        if not p.PULSE_MIN_MS <= request.pulse_ms <= p.PULSE_MAX_MS:
            return self._error(frame.seq, p.ERR_BAD_PAYLOAD)
        if not self._doors.state[channel - 1]:
            # The door is already open: no pulse needed, and the reply says so.
            payload = pl.encode_unlock_reply(channel, False, self.state(channel))
            return self._reply(frame.seq, p.RSP_UNLOCK, payload)
        self.hal.set_relay(channel, True)
        self.relay_fires += 1
        self._relay_off_at[channel - 1] = now + request.pulse_ms
        self._pending = (frame.seq, (frame.code, frame.payload), channel)
        return None

    def _status(self) -> bytes:
        locked = door_closed = item_present = 0
        for channel in range(1, self.channels + 1):
            state = self.state(channel)
            bit = p.channel_bit(channel)
            if state & p.STATE_LOCKED:
                locked |= bit
            if state & p.STATE_DOOR_CLOSED:
                door_closed |= bit
            if state & p.STATE_ITEM_PRESENT:
                item_present |= bit
        return pl.encode_status(
            self.channels, self.hal.item_sensors, locked, door_closed, item_present
        )

    def _reply(self, seq: int, code: int, payload: bytes) -> bytes:
        return p.encode_frame(self.address, seq, code, payload)

    def _error(self, seq: int, error: int) -> bytes:
        return p.encode_frame(self.address, seq, p.RSP_ERROR, pl.encode_error(error))

    def _send(self, frame: bytes) -> None:
        self._out += frame

    def _queue_event(self, channel: int, kind: int, now: int) -> None:
        payload = pl.encode_event(channel, kind, self.state(channel), now - self.boot_ms)
        if len(self._events) >= EVENT_QUEUE_MAX:
            self._events.pop(0)
            self.events_dropped += 1
        self._events.append(_Outgoing(self._event_seq, payload))
        self._event_seq = p.next_seq(self._event_seq)

    def _send_event(self, now: int) -> None:
        # One event in flight at a time (stop-and-wait), so the host sees them in order.
        if not self._events:
            return
        event = self._events[0]
        if self.shared_bus:
            if not self._out:
                return  # not this board's turn: only a reply of its own gives it one
        elif event.tries and now - event.sent_ms < p.EVENT_RETRY_MS:
            return
        if event.tries >= p.EVENT_MAX_TRIES:
            # The host is away or deaf; it still learns the door's state from STATUS.
            self._events.pop(0)
            self.events_dropped += 1
            return
        self._out += p.encode_frame(self.address, event.seq, p.EVENT, event.payload)
        event.tries += 1
        event.sent_ms = now

    def _ack(self, seq: int) -> None:
        # Only the event in flight can be acknowledged; a late duplicate ACK changes nothing.
        if self._events and self._events[0].seq == seq:
            self._events.pop(0)
