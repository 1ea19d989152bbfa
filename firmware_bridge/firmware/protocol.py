"""The bridge protocol core: constants, CRC, framing and sequence numbers, for board and host.

This code does no I/O. It is written in the subset MicroPython runs: no enum, typing or
dataclasses, only plain classes and integer constants. Annotations are fine (MicroPython ignores
them) and let mypy check the host side. payloads.py holds the payload codecs, and
docs/protocol-bridge.md describes every byte.
"""

# --- framing (docs/protocol-bridge.md, "Frame") ---
# 0x7E, the HDLC flag byte that Klipper also uses to mark frames: an idle or floating RS485
# line reads 0x00 or 0xFF, so noise rarely starts a false frame.
SYNC = 0x7E
SYNC_BYTES = bytes((SYNC,))
# Small payloads keep a frame under 4 ms at 115200 baud and bound the decoder's buffer.
MAX_PAYLOAD = 32
# SYNC, LEN, ADDR, SEQ, CODE before the payload; CRC_HI, CRC_LO after it.
HEADER_LEN = 5
CRC_LEN = 2
OVERHEAD = HEADER_LEN + CRC_LEN
MAX_FRAME = MAX_PAYLOAD + OVERHEAD

# --- CRC-16/CCITT-FALSE (Rocksoft catalogue: width 16, poly 0x1021, init 0xFFFF, refin false,
# refout false, xorout 0x0000, check 0x29B1 over b"123456789"), sent high byte first. It catches
# every burst of up to 16 bits, so any single garbled byte.
CRC_POLY = 0x1021
CRC_INIT = 0xFFFF
CRC_CHECK = 0x29B1

# --- addresses (docs, "Addresses") ---
# 0x00 and 0xFF are what a shorted or floating line reads, so no board may have them, and a
# frame carrying them is noise. There is no broadcast: an unlock must name its board.
ADDRESS_MIN = 0x01
ADDRESS_MAX = 0xFE

# --- codes: our own allocation (docs, "Commands, replies and events") ---
# Bumped on any incompatible change to frames or payloads.
PROTOCOL_VERSION = 1
# Host -> board commands have the top bit clear; what a board sends has it set, so a board
# ignores other boards' replies and a host ignores its own echo on a half-duplex bus.
CMD_IDENTIFY = 0x01
CMD_UNLOCK = 0x02
CMD_STATUS = 0x03
CMD_HEARTBEAT = 0x04
CMD_ACK = 0x05
RESPONSE_BIT = 0x80
RSP_IDENTIFY = CMD_IDENTIFY | RESPONSE_BIT
RSP_UNLOCK = CMD_UNLOCK | RESPONSE_BIT
RSP_STATUS = CMD_STATUS | RESPONSE_BIT
RSP_HEARTBEAT = CMD_HEARTBEAT | RESPONSE_BIT
# Far from the replies, so new commands (and their replies) never run into them.
EVENT = 0xC0
RSP_ERROR = 0xE0

# ERROR payload: one of these.
ERR_UNKNOWN_COMMAND = 0x01
ERR_BAD_PAYLOAD = 0x02
ERR_BAD_CHANNEL = 0x03
# The seq is stale or was reused with other content: send IDENTIFY to start afresh.
ERR_SEQ = 0x04
# The board restarted (or never met this host): send IDENTIFY first.
ERR_NOT_IDENTIFIED = 0x05
# An unlock pulse is still running; its reply comes when the pulse ends.
ERR_BUSY = 0x06

# EVENT kinds.
EVENT_DOOR_OPENED = 0x01
EVENT_DOOR_CLOSED = 0x02

# One channel's state byte (UNLOCK reply, EVENT). "Locked" means the board is not driving the
# latch open: the board has no latch feedback, so only the door switch proves a release.
STATE_LOCKED = 0x01
STATE_DOOR_CLOSED = 0x02
STATE_ITEM_PRESENT = 0x04
STATE_ITEM_SENSOR = 0x08
# IDENTIFY and STATUS flags byte.
FLAG_ITEM_SENSORS = 0x01

# --- limits ---
# Channel bits travel in 16-bit masks.
MAX_CHANNELS = 16
# A solenoid latch is rated for short pulses; longer ones only heat the coil.
PULSE_MIN_MS = 10
PULSE_MAX_MS = 2000
# Sequence numbers are 8 bits; "newer" means up to half the circle ahead (as in TCP).
SEQ_MODULO = 256
SEQ_WINDOW = 128

# --- timing shared by both ends (docs, "Timing"), for 115200 baud ---
# A door switch change counts once it has been stable this long; reed contacts bounce for a
# few ms, a slammed door for longer.
DEBOUNCE_MS = 30
# Silence this long in the middle of a frame means the rest was lost (Modbus RTU's idea of an
# inter-frame gap, widened for USB adapters that deliver in bursts).
RX_IDLE_MS = 20
# The board retries an unacknowledged event this often, this many times in all.
EVENT_RETRY_MS = 200
EVENT_MAX_TRIES = 5
# Host: wait this long for a reply (worst frame 3.4 ms each way plus a busy MicroPython loop).
REPLY_TIMEOUT_MS = 50
# Host: retransmit a command this many times, doubling the wait each time, then give up.
RETRIES = 3


class ProtocolError(ValueError):
    """Bytes or values that the protocol does not allow."""


class Record:
    """A plain value object (MicroPython has no dataclasses): equal when all FIELDS are."""

    FIELDS: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.FIELDS
        )

    def __repr__(self) -> str:
        parts = [name + "=" + repr(getattr(self, name)) for name in self.FIELDS]
        return type(self).__name__ + "(" + ", ".join(parts) + ")"


class Frame(Record):
    """One decoded frame."""

    FIELDS = ("address", "seq", "code", "payload")

    def __init__(self, address: int, seq: int, code: int, payload: bytes = b"") -> None:
        self.address = address
        self.seq = seq
        self.code = code
        self.payload = payload

    def encode(self) -> bytes:
        """The frame's bytes on the wire."""
        return encode_frame(self.address, self.seq, self.code, self.payload)


def crc16(data: bytes, crc: int = CRC_INIT) -> int:
    """CRC-16/CCITT-FALSE of data (bitwise: no 512-byte table in the Pico's RAM)."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC_POLY if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def check_byte(name: str, value: int) -> None:
    """Raise ProtocolError unless value fits in one byte."""
    if not 0 <= value <= 0xFF:
        raise ProtocolError(name + " must fit in a byte, not " + repr(value))


def encode_frame(address: int, seq: int, code: int, payload: bytes = b"") -> bytes:
    """SYNC, LEN, ADDR, SEQ, CODE, payload, then the CRC over everything after SYNC."""
    if not ADDRESS_MIN <= address <= ADDRESS_MAX:
        raise ProtocolError("address must be 1-254, not " + repr(address))
    check_byte("seq", seq)
    check_byte("code", code)
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError("payload of " + str(len(payload)) + " bytes is too long")
    body = bytes((len(payload), address, seq, code)) + bytes(payload)
    crc = crc16(body)
    return SYNC_BYTES + body + bytes((crc >> 8, crc & 0xFF))


class Decoder:
    """Turns a byte stream into frames, skipping garbage and resyncing after a bad frame."""

    def __init__(self) -> None:
        self._buf = b""
        # Candidate frames thrown away: bad length or address, failed CRC, or cut short.
        self.dropped = 0
        # Bytes skipped while hunting for a sync byte.
        self.skipped = 0

    @property
    def buffered(self) -> int:
        """Bytes held back while a frame is incomplete."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        """Take more bytes; return the frames they completed, in order."""
        self._buf += bytes(data)
        return self._parse()

    def idle(self) -> list[Frame]:
        """The line went quiet: the held candidate can never complete, so drop it and rescan."""
        frames = []
        while self._buf:
            frames.extend(self._parse())
            if self._buf:
                # Drop only the sync byte: a real frame may start inside the cut-short one.
                self._buf = self._buf[1:]
                self.dropped += 1
        return frames

    def reset(self) -> None:
        """Forget any partial frame."""
        self._buf = b""

    def _parse(self) -> list[Frame]:
        frames = []
        buf = self._buf
        i = 0
        while True:
            start = buf.find(SYNC_BYTES, i)
            if start < 0:
                self.skipped += len(buf) - i
                i = len(buf)
                break
            self.skipped += start - i
            i = start
            if len(buf) - i < 3:
                break
            length = buf[i + 1]
            address = buf[i + 2]
            if length > MAX_PAYLOAD or not ADDRESS_MIN <= address <= ADDRESS_MAX:
                # A bad header: this sync byte was noise or payload; look from the next byte.
                self.dropped += 1
                i += 1
                continue
            end = i + length + OVERHEAD
            if len(buf) < end:
                break
            crc = (buf[end - 2] << 8) | buf[end - 1]
            if crc16(buf[i + 1 : end - 2]) != crc:
                # Resync from the byte after this sync, not after the claimed length: a
                # corrupted LEN must not swallow the next good frame.
                self.dropped += 1
                i += 1
                continue
            frames.append(
                Frame(address, buf[i + 3], buf[i + 4], bytes(buf[i + HEADER_LEN : end - 2]))
            )
            i = end
        self._buf = buf[i:]
        return frames


def next_seq(seq: int) -> int:
    """The sequence number after seq."""
    return (seq + 1) % SEQ_MODULO


def seq_is_newer(seq: int, last: int) -> bool:
    """Whether seq comes after last (last < 0: nothing seen yet, so anything is newer)."""
    if last < 0:
        return True
    return 0 < (seq - last) % SEQ_MODULO < SEQ_WINDOW


def channel_bit(channel: int) -> int:
    """The bit of a channel (1-16) in a 16-bit channel mask."""
    if not 1 <= channel <= MAX_CHANNELS:
        raise ProtocolError("channel must be 1-16, not " + repr(channel))
    return 1 << (channel - 1)


def unlock_reply_timeout_ms(pulse_ms: int) -> int:
    """How long a host waits for an UNLOCK reply: the board answers when the pulse ends."""
    return pulse_ms + DEBOUNCE_MS + REPLY_TIMEOUT_MS


def hexdump(data: bytes) -> str:
    """Bytes as upper-case hex pairs separated by spaces, as the docs and logs show them."""
    return " ".join([f"{byte:02X}" for byte in data])
