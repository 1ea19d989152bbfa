"""Framing, CRC and payload codecs of the bridge protocol, table by table."""

from __future__ import annotations

import binascii

import pytest

from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p

FRAME = p.encode_frame(1, 0x10, p.CMD_IDENTIFY)
UNLOCK = p.encode_frame(1, 0x11, p.CMD_UNLOCK, b"\x03\x01\xf4")


def corrupt(frame: bytes, index: int, mask: int = 0x01) -> bytes:
    """The frame with one byte flipped."""
    data = bytearray(frame)
    data[index] ^= mask
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        # Rocksoft/Williams catalogue check value for CRC-16/CCITT-FALSE.
        (b"123456789", 0x29B1),
        # Joe Geluso's CRC-CCITT table, initial value 0xFFFF.
        (b"", 0xFFFF),
        (b"A", 0xB915),
        (b"A" * 256, 0xEA0B),
    ],
)
def test_crc16_matches_published_vectors(data: bytes, crc: int) -> None:
    assert p.crc16(data) == crc
    assert binascii.crc_hqx(data, 0xFFFF) == crc


@pytest.mark.parametrize(
    ("address", "seq", "code", "payload", "wire"),
    [
        (1, 0x10, p.CMD_IDENTIFY, b"", "7E 00 01 10 01 A0 A2"),
        (1, 0x11, p.CMD_UNLOCK, b"\x03\x01\xf4", "7E 03 01 11 02 03 01 F4 EA 75"),
        (1, 0x12, p.CMD_STATUS, b"", "7E 00 01 12 03 E6 82"),
        (1, 0x00, p.CMD_ACK, b"", "7E 00 01 00 05 E3 55"),
        (1, 0x14, p.RSP_ERROR, b"\x05", "7E 01 01 14 E0 05 12 5D"),
        # A payload full of sync bytes needs no escaping: the CRC, not the sync, marks a frame.
        (0xFE, 0xFF, 0x7E, b"\x7e\x7e", "7E 02 FE FF 7E 7E 7E 49 0B"),
    ],
)
def test_frames_encode_and_decode(
    address: int, seq: int, code: int, payload: bytes, wire: str
) -> None:
    data = p.encode_frame(address, seq, code, payload)
    assert p.hexdump(data) == wire
    assert p.Decoder().feed(data) == [p.Frame(address, seq, code, payload)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0, 1, b""), "address"),
        ((0xFF, 0, 1, b""), "address"),
        ((1, 256, 1, b""), "seq"),
        ((1, 0, -1, b""), "code"),
        ((1, 0, 1, bytes(33)), "too long"),
    ],
)
def test_encode_frame_refuses_what_the_wire_cannot_carry(
    args: tuple[int, int, int, bytes], message: str
) -> None:
    with pytest.raises(p.ProtocolError, match=message):
        p.encode_frame(*args)


@pytest.mark.parametrize(
    ("stream", "seqs", "dropped"),
    [
        pytest.param(FRAME + UNLOCK, [0x10, 0x11], 0, id="back to back"),
        pytest.param(b"\x00\xff\x13" + FRAME, [0x10], 0, id="line noise before"),
        pytest.param(corrupt(FRAME, 4) + UNLOCK, [0x11], 1, id="bad crc, then resync"),
        pytest.param(corrupt(FRAME, 1, 0x40) + UNLOCK, [0x11], 1, id="length over 32"),
        # Still a legal length: the decoder waits for more bytes (or for idle(), below).
        pytest.param(corrupt(FRAME, 1, 0x20) + UNLOCK, [], 0, id="length grown to 32"),
        pytest.param(corrupt(FRAME, 2, 0x01) + UNLOCK, [0x11], 1, id="reserved address 0"),
        pytest.param(b"\x7e\x7e\x7e" + FRAME, [0x10], 3, id="repeated sync bytes"),
        pytest.param(UNLOCK[:5] + FRAME, [0x10], 1, id="cut short, next frame inside"),
        pytest.param(corrupt(UNLOCK, 1, 0x03) + FRAME, [0x10], 1, id="length shortened"),
        pytest.param(FRAME[:-1], [], 0, id="incomplete: held back"),
    ],
)
def test_decoder_resyncs(stream: bytes, seqs: list[int], dropped: int) -> None:
    decoder = p.Decoder()
    assert [frame.seq for frame in decoder.feed(stream)] == seqs
    assert decoder.dropped == dropped


def test_decoder_counts_skipped_noise_and_forgets_on_reset() -> None:
    decoder = p.Decoder()
    assert decoder.feed(b"\x00\x01\x02" + FRAME[:3]) == []
    assert (decoder.skipped, decoder.buffered) == (3, 3)
    decoder.reset()
    assert decoder.feed(FRAME[3:] + FRAME) == [p.Frame(1, 0x10, p.CMD_IDENTIFY)]


def test_idle_drops_a_frame_the_line_cut_short() -> None:
    decoder = p.Decoder()
    long_frame = p.encode_frame(1, 1, p.CMD_STATUS, bytes(32))
    assert decoder.feed(long_frame[:8] + FRAME) == []
    assert decoder.idle() == [p.Frame(1, 0x10, p.CMD_IDENTIFY)]
    assert decoder.dropped == 1
    assert decoder.buffered == 0


@pytest.mark.parametrize(
    ("encoded", "decode", "value"),
    [
        (
            pl.encode_identify(8, True, "bridge-fw 0.1.0"),
            pl.decode_identify,
            pl.Identity(p.PROTOCOL_VERSION, 8, True, "bridge-fw 0.1.0"),
        ),
        (pl.encode_unlock(3, 500), pl.decode_unlock, pl.UnlockRequest(3, 500)),
        (pl.encode_unlock_reply(3, True, 0x09), pl.decode_unlock_reply, pl.UnlockReply(3, True, 9)),
        (
            pl.encode_status(8, True, 0xFF, 0xFB, 0x11),
            pl.decode_status,
            pl.Status(8, True, 0xFF, 0xFB, 0x11),
        ),
        (pl.encode_heartbeat(12345, 42, 1, 0), pl.decode_heartbeat, pl.Heartbeat(12345, 42, 1, 0)),
        (
            pl.encode_event(3, p.EVENT_DOOR_CLOSED, 0x0F, 123456),
            pl.decode_event,
            pl.Event(3, p.EVENT_DOOR_CLOSED, 0x0F, 123456),
        ),
        (pl.encode_error(p.ERR_BUSY), pl.decode_error, p.ERR_BUSY),
    ],
)
def test_payloads_round_trip(encoded: bytes, decode: object, value: object) -> None:
    assert callable(decode)
    assert decode(encoded) == value
    assert len(encoded) <= p.MAX_PAYLOAD


@pytest.mark.parametrize(
    ("decode", "payload"),
    [
        (pl.decode_identify, b"\x01\x08"),
        (pl.decode_identify, b"\x01\x00\x00fw"),
        (pl.decode_identify, b"\x01\x08\x00caf\xc3\xa9"),
        (pl.decode_unlock, b"\x03\x01"),
        (pl.decode_unlock_reply, b"\x00\x01\x00"),
        (pl.decode_status, bytes(7)),
        (pl.decode_status, b"\x11" + bytes(7)),
        (pl.decode_heartbeat, bytes(10)),
        (pl.decode_event, b"\x03\x09\x00\x00\x00\x00\x00"),
        (pl.decode_event, b"\x11\x01\x00\x00\x00\x00\x00"),
        (pl.decode_error, b""),
    ],
)
def test_decoders_refuse_malformed_payloads(decode: object, payload: bytes) -> None:
    assert callable(decode)
    with pytest.raises(p.ProtocolError):
        decode(payload)


@pytest.mark.parametrize(
    "encode",
    [
        lambda: pl.encode_unlock(0, 500),
        lambda: pl.encode_unlock(17, 500),
        lambda: pl.encode_unlock(1, p.PULSE_MAX_MS + 1),
        lambda: pl.encode_unlock(1, p.PULSE_MIN_MS - 1),
        lambda: pl.encode_identify(8, False, "x" * 30),
        lambda: pl.encode_identify(8, False, "café"),
        lambda: pl.encode_identify(0, False, "fw"),
        lambda: pl.encode_status(4, False, 0, 0, 1),
        lambda: pl.encode_event(1, 7, 0, 0),
    ],
)
def test_encoders_refuse_values_out_of_range(encode: object) -> None:
    assert callable(encode)
    with pytest.raises(p.ProtocolError):
        encode()


def test_status_gives_each_channel_its_state_byte() -> None:
    status = pl.decode_status(pl.encode_status(8, True, 0xFF, 0xFB, 0x11))
    assert status.state(1) == p.STATE_LOCKED | p.STATE_DOOR_CLOSED | p.STATE_ITEM_PRESENT | 0x08
    assert status.state(3) == p.STATE_LOCKED | p.STATE_ITEM_SENSOR
    assert pl.decode_unlock_reply(pl.encode_unlock_reply(3, True, status.state(3))).door_opened


@pytest.mark.parametrize(
    ("seq", "last", "newer"),
    [(0, -1, True), (1, 0, True), (0, 255, True), (127, 0, True), (128, 0, False), (5, 5, False)],
)
def test_seq_window(seq: int, last: int, newer: bool) -> None:
    assert p.seq_is_newer(seq, last) is newer
    assert p.next_seq(255) == 0


def test_unlock_reply_timeout_covers_pulse_and_debounce() -> None:
    assert p.unlock_reply_timeout_ms(500) == 500 + p.DEBOUNCE_MS + p.REPLY_TIMEOUT_MS


def test_records_compare_by_value_and_show_their_fields() -> None:
    assert p.Frame(1, 2, 3, b"x") == p.Frame(1, 2, 3, b"x") != p.Frame(1, 2, 3)
    assert p.Frame(1, 2, 3) != (1, 2, 3, b"")
    assert repr(pl.UnlockRequest(3, 500)) == "UnlockRequest(channel=3, pulse_ms=500)"
    assert p.Frame(1, 2, 3).encode() == p.encode_frame(1, 2, 3)
