"""Frames of Kerong KR-CU12/CU16-style lock boards, to bytes and back. This code does no I/O.

A frame is `STX ADDR CMD ETX SUM`; a status reply carries four data bytes before ETX. The
host driver decodes replies with `KerongDecoder` and the simulator decodes commands with it.
See docs/protocol-kerong.md for the layout, the vectors and the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

# Line settings: the factory default of KR-CU12/CU16-style boards, per docs/protocol-kerong.md.
DEFAULT_BAUD = 19200
DEFAULT_FRAMING = "8N1"

# Framing bytes and checksum rule, per docs/protocol-kerong.md and the public vector
# `02 00 31 03 36` (0x02 + 0x00 + 0x31 + 0x03 = 0x36).
STX = 0x02
ETX = 0x03

# Command codes, per docs/protocol-kerong.md ("Commands").
CMD_STATUS = 0x30
CMD_UNLOCK = 0x31
CMD_STATUS_ALL = 0x32
CMD_UNLOCK_ALL = 0x33
COMMAND_CODES = frozenset({CMD_STATUS, CMD_UNLOCK, CMD_STATUS_ALL, CMD_UNLOCK_ALL})

# The status reply code, per the public vector `02 00 35 FF FF 00 00 03 38`.
REPLY_STATUS = 0x35

# Frame lengths: `STX ADDR CMD ETX SUM`, and the reply's four data bytes on top.
COMMAND_LENGTH = 5
REPLY_LENGTH = 9

# Addressing: ADDR = board << 4 | (channel - 1); per the vector `02 15 31 03 4B`
# (board 1, channel 6).
BOARDS = 16
CHANNELS = 16
ALL_BITS = (1 << CHANNELS) - 1


def checksum(data: bytes) -> int:
    """The low byte of the sum of `data`."""
    return sum(data) & 0xFF


def address(board: int, channel: int) -> int:
    """The ADDR byte of a board (0-15) and channel (1-16, as printed on the board)."""
    _check_board(board)
    _check_channel(channel)
    return board << 4 | (channel - 1)


@dataclass(frozen=True)
class Command:
    """A command frame as the board sees it: its code and the channel it is addressed to."""

    code: int
    board: int
    channel: int


@dataclass(frozen=True)
class StatusReply:
    """A board's status: one lock bit and one item bit per channel, bit 0 = channel 1."""

    board: int
    lock_bits: int
    item_bits: int

    def locked(self, channel: int, locked_bit: int = 1) -> bool:
        """Whether a channel is locked, for boards whose 'locked' bit value is `locked_bit`."""
        if locked_bit not in (0, 1):
            raise ValueError(f"locked_bit must be 0 or 1, not {locked_bit}")
        return _bit(self.lock_bits, channel) == locked_bit

    def item_present(self, channel: int) -> bool:
        """Whether the channel's item sensor sees something (meaningless where none is fitted)."""
        return _bit(self.item_bits, channel) == 1


Frame = Command | StatusReply


def encode_command(command: Command) -> bytes:
    """The five bytes of a command frame."""
    if command.code not in COMMAND_CODES:
        raise ValueError(f"not a command code: {command.code:#04x}")
    head = bytes([STX, address(command.board, command.channel), command.code, ETX])
    return head + bytes([checksum(head)])


def unlock_frame(board: int, channel: int) -> bytes:
    """Fire the lock of one channel."""
    return encode_command(Command(CMD_UNLOCK, board, channel))


def status_frame(board: int) -> bytes:
    """Ask one board for its status (addressed to channel 1, as the board expects)."""
    return encode_command(Command(CMD_STATUS, board, 1))


def status_all_frame(board: int) -> bytes:
    """Ask one board for the status of all its channels."""
    return encode_command(Command(CMD_STATUS_ALL, board, 1))


def unlock_all_frame(board: int) -> bytes:
    """Fire every lock of one board."""
    return encode_command(Command(CMD_UNLOCK_ALL, board, 1))


def encode_status_reply(board: int, lock_bits: int, item_bits: int) -> bytes:
    """The nine bytes of a status reply; bits are raw, so polarity is the caller's business."""
    _check_board(board)
    for name, bits in (("lock_bits", lock_bits), ("item_bits", item_bits)):
        if not 0 <= bits <= ALL_BITS:
            raise ValueError(f"{name} must fit in 16 bits, not {bits:#x}")
    head = bytes(
        [
            STX,
            board << 4,
            REPLY_STATUS,
            lock_bits & 0xFF,
            lock_bits >> 8,
            item_bits & 0xFF,
            item_bits >> 8,
            ETX,
        ]
    )
    return head + bytes([checksum(head)])


def encode(frame: Frame) -> bytes:
    """The bytes of any frame the decoder yields."""
    if isinstance(frame, StatusReply):
        return encode_status_reply(frame.board, frame.lock_bits, frame.item_bits)
    return encode_command(frame)


class KerongDecoder:
    """Turns a byte stream into frames, resyncing on STX after garbage and bad frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        # Frame candidates thrown away for a bad checksum or a missing ETX.
        self.dropped = 0
        # Bytes thrown away while looking for a frame start.
        self.skipped = 0

    @property
    def buffered(self) -> int:
        """Bytes held back while a frame is incomplete."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes; return every complete, valid frame now available, in order."""
        self._buffer += data
        frames: list[Frame] = []
        buffer = self._buffer
        while True:
            start = buffer.find(STX)
            if start < 0:
                self.skipped += len(buffer)
                buffer.clear()
                break
            if start:
                self.skipped += start
                del buffer[:start]
            if len(buffer) < 3:
                break
            length = _frame_length(buffer[2])
            if length is None:
                # This STX was a data byte, not a frame start.
                self.skipped += 1
                del buffer[:1]
                continue
            if len(buffer) < length:
                break
            candidate = bytes(buffer[:length])
            if candidate[-2] != ETX or checksum(candidate[:-1]) != candidate[-1]:
                # Step one byte only: a real frame may start inside a corrupted one.
                self.dropped += 1
                del buffer[:1]
                continue
            del buffer[:length]
            frames.append(_parse(candidate))
        return frames

    def reset(self) -> None:
        """Forget any partial frame, e.g. after the port was reopened."""
        self._buffer.clear()


def _frame_length(code: int) -> int | None:
    if code in COMMAND_CODES:
        return COMMAND_LENGTH
    if code == REPLY_STATUS:
        return REPLY_LENGTH
    return None


def _parse(frame: bytes) -> Frame:
    board, channel = frame[1] >> 4, (frame[1] & 0x0F) + 1
    if frame[2] == REPLY_STATUS:
        return StatusReply(board, frame[3] | frame[4] << 8, frame[5] | frame[6] << 8)
    return Command(frame[2], board, channel)


def _bit(bits: int, channel: int) -> int:
    _check_channel(channel)
    return bits >> (channel - 1) & 1


def _check_board(board: int) -> None:
    if not 0 <= board < BOARDS:
        raise ValueError(f"board must be 0-{BOARDS - 1}, not {board}")


def _check_channel(channel: int) -> None:
    if not 1 <= channel <= CHANNELS:
        raise ValueError(f"channel must be 1-{CHANNELS}, not {channel}")
