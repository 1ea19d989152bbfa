"""Payload codecs for every command, reply and event, shared by the firmware and the host.

Same MicroPython subset as protocol.py. Decoders check the shape of a payload and raise
ProtocolError; the board itself judges whether a well-formed request makes sense.
"""

import struct

from .protocol import (
    EVENT_DOOR_CLOSED,
    EVENT_DOOR_OPENED,
    FLAG_ITEM_SENSORS,
    MAX_CHANNELS,
    MAX_PAYLOAD,
    PROTOCOL_VERSION,
    PULSE_MAX_MS,
    PULSE_MIN_MS,
    STATE_DOOR_CLOSED,
    STATE_ITEM_PRESENT,
    STATE_ITEM_SENSOR,
    STATE_LOCKED,
    ProtocolError,
    Record,
    channel_bit,
    check_byte,
)


def _expect_length(payload: bytes, length: int, what: str) -> None:
    if len(payload) != length:
        raise ProtocolError(
            what + " payload must be " + str(length) + " bytes, not " + str(len(payload))
        )


def _check_channel_count(channels: int) -> None:
    if not 1 <= channels <= MAX_CHANNELS:
        raise ProtocolError("a board has 1-16 channels, not " + repr(channels))


class Identity(Record):
    """IDENTIFY reply: protocol version, channel count, item sensors fitted, firmware version."""

    FIELDS = ("protocol_version", "channels", "item_sensors", "firmware")

    def __init__(
        self, protocol_version: int, channels: int, item_sensors: bool, firmware: str
    ) -> None:
        self.protocol_version = protocol_version
        self.channels = channels
        self.item_sensors = item_sensors
        self.firmware = firmware


def _printable(text: bytes) -> bool:
    # Checked byte by byte: MicroPython's decode() accepts any UTF-8, whatever codec it is given.
    return all(0x20 <= byte < 0x7F for byte in text)


def encode_identify(channels: int, item_sensors: bool, firmware: str) -> bytes:
    """IDENTIFY reply payload: version, channels, flags, then the firmware string in ASCII."""
    _check_channel_count(channels)
    name = firmware.encode()
    if len(name) > MAX_PAYLOAD - 3 or not _printable(name):
        raise ProtocolError("firmware version must be printable ASCII, 29 bytes at most")
    flags = FLAG_ITEM_SENSORS if item_sensors else 0
    return bytes((PROTOCOL_VERSION, channels, flags)) + name


def decode_identify(payload: bytes) -> Identity:
    """Parse an IDENTIFY reply payload."""
    if len(payload) < 3:
        raise ProtocolError("IDENTIFY payload is too short")
    _check_channel_count(payload[1])
    name = bytes(payload[3:])
    if not _printable(name):
        raise ProtocolError("firmware version is not printable ASCII")
    return Identity(payload[0], payload[1], bool(payload[2] & FLAG_ITEM_SENSORS), name.decode())


class UnlockRequest(Record):
    """UNLOCK command: fire one channel's relay for pulse_ms."""

    FIELDS = ("channel", "pulse_ms")

    def __init__(self, channel: int, pulse_ms: int) -> None:
        self.channel = channel
        self.pulse_ms = pulse_ms


def encode_unlock(channel: int, pulse_ms: int) -> bytes:
    """UNLOCK payload: channel, then the pulse length in ms (big-endian 16 bits)."""
    channel_bit(channel)
    if not PULSE_MIN_MS <= pulse_ms <= PULSE_MAX_MS:
        raise ProtocolError("pulse must be 10-2000 ms, not " + repr(pulse_ms))
    return struct.pack(">BH", channel, pulse_ms)


def decode_unlock(payload: bytes) -> UnlockRequest:
    """Parse an UNLOCK payload; the board itself judges the channel and pulse."""
    _expect_length(payload, 3, "UNLOCK")
    channel, pulse_ms = struct.unpack(">BH", payload)
    return UnlockRequest(channel, pulse_ms)


class UnlockReply(Record):
    """UNLOCK reply: whether the relay fired, and the channel's state when the pulse ended."""

    FIELDS = ("channel", "fired", "state")

    def __init__(self, channel: int, fired: bool, state: int) -> None:
        self.channel = channel
        self.fired = fired
        self.state = state

    @property
    def door_opened(self) -> bool:
        """The door switch read open: the only proof that the latch let go."""
        return not self.state & STATE_DOOR_CLOSED


def encode_unlock_reply(channel: int, fired: bool, state: int) -> bytes:
    """UNLOCK reply payload: channel, fired (0 or 1), state byte."""
    channel_bit(channel)
    check_byte("state", state)
    return bytes((channel, 1 if fired else 0, state))


def decode_unlock_reply(payload: bytes) -> UnlockReply:
    """Parse an UNLOCK reply payload."""
    _expect_length(payload, 3, "UNLOCK reply")
    channel_bit(payload[0])
    return UnlockReply(payload[0], bool(payload[1]), payload[2])


class Status(Record):
    """STATUS reply: one bit per channel (channel 1 is bit 0) for latch, door and item."""

    FIELDS = ("channels", "item_sensors", "locked", "door_closed", "item_present")

    def __init__(
        self, channels: int, item_sensors: bool, locked: int, door_closed: int, item_present: int
    ) -> None:
        self.channels = channels
        self.item_sensors = item_sensors
        self.locked = locked
        self.door_closed = door_closed
        self.item_present = item_present

    def state(self, channel: int) -> int:
        """One channel's state byte, as an UNLOCK reply or EVENT carries it."""
        bit = channel_bit(channel)
        state = STATE_ITEM_SENSOR if self.item_sensors else 0
        if self.locked & bit:
            state |= STATE_LOCKED
        if self.door_closed & bit:
            state |= STATE_DOOR_CLOSED
        if self.item_present & bit:
            state |= STATE_ITEM_PRESENT
        return state


def encode_status(
    channels: int, item_sensors: bool, locked: int, door_closed: int, item_present: int
) -> bytes:
    """STATUS reply payload: channels, flags, then the locked, door and item masks (16 bits)."""
    _check_channel_count(channels)
    if not item_sensors and item_present:
        raise ProtocolError("item bits without item sensors")
    flags = FLAG_ITEM_SENSORS if item_sensors else 0
    return struct.pack(">BBHHH", channels, flags, locked, door_closed, item_present)


def decode_status(payload: bytes) -> Status:
    """Parse a STATUS reply payload."""
    _expect_length(payload, 8, "STATUS")
    channels, flags, locked, door_closed, item_present = struct.unpack(">BBHHH", payload)
    _check_channel_count(channels)
    return Status(channels, bool(flags & FLAG_ITEM_SENSORS), locked, door_closed, item_present)


class Heartbeat(Record):
    """HEARTBEAT reply: uptime, heartbeats answered, frames dropped, events waiting for an ACK."""

    FIELDS = ("uptime_ms", "counter", "dropped", "pending_events")

    def __init__(self, uptime_ms: int, counter: int, dropped: int, pending_events: int) -> None:
        self.uptime_ms = uptime_ms
        self.counter = counter
        self.dropped = dropped
        self.pending_events = pending_events


def encode_heartbeat(uptime_ms: int, counter: int, dropped: int, pending_events: int) -> bytes:
    """HEARTBEAT reply payload; counters wrap (uptime after 49 days) or saturate (the rest)."""
    return struct.pack(
        ">IIHB",
        uptime_ms & 0xFFFFFFFF,
        counter & 0xFFFFFFFF,
        min(dropped, 0xFFFF),
        min(pending_events, 0xFF),
    )


def decode_heartbeat(payload: bytes) -> Heartbeat:
    """Parse a HEARTBEAT reply payload."""
    _expect_length(payload, 11, "HEARTBEAT")
    return Heartbeat(*struct.unpack(">IIHB", payload))


class Event(Record):
    """EVENT: a debounced door change on one channel, with its state and the board's uptime."""

    FIELDS = ("channel", "kind", "state", "at_ms")

    def __init__(self, channel: int, kind: int, state: int, at_ms: int) -> None:
        self.channel = channel
        self.kind = kind
        self.state = state
        self.at_ms = at_ms


def encode_event(channel: int, kind: int, state: int, at_ms: int) -> bytes:
    """EVENT payload: channel, kind, state byte, uptime of the change in ms (32 bits)."""
    channel_bit(channel)
    if kind not in (EVENT_DOOR_OPENED, EVENT_DOOR_CLOSED):
        raise ProtocolError("unknown event kind " + repr(kind))
    check_byte("state", state)
    return struct.pack(">BBBI", channel, kind, state, at_ms & 0xFFFFFFFF)


def decode_event(payload: bytes) -> Event:
    """Parse an EVENT payload."""
    _expect_length(payload, 7, "EVENT")
    channel, kind, state, at_ms = struct.unpack(">BBBI", payload)
    channel_bit(channel)
    if kind not in (EVENT_DOOR_OPENED, EVENT_DOOR_CLOSED):
        raise ProtocolError("unknown event kind " + repr(kind))
    return Event(channel, kind, state, at_ms)


def encode_error(error: int) -> bytes:
    """ERROR payload: one error code."""
    check_byte("error", error)
    return bytes((error,))


def decode_error(payload: bytes) -> int:
    """Parse an ERROR payload."""
    _expect_length(payload, 1, "ERROR")
    return payload[0]
