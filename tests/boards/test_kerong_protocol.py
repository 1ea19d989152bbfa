"""The Kerong framer: the public vectors, round trips, and a decoder that survives any bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.boards import kerong_protocol as kp
from locker.boards.kerong_protocol import Command, KerongDecoder, StatusReply

# (bytes, built by, decoded frame); the first four rows are the public vectors.
VECTORS = [
    ("02 00 31 03 36", kp.unlock_frame(0, 1), Command(kp.CMD_UNLOCK, 0, 1)),
    ("02 15 31 03 4B", kp.unlock_frame(1, 6), Command(kp.CMD_UNLOCK, 1, 6)),
    ("02 00 30 03 35", kp.status_frame(0), Command(kp.CMD_STATUS, 0, 1)),
    (
        "02 00 35 FF FF 00 00 03 38",
        kp.encode_status_reply(0, 0xFFFF, 0x0000),
        StatusReply(0, 0xFFFF, 0x0000),
    ),
    ("02 FF 31 03 35", kp.unlock_frame(15, 16), Command(kp.CMD_UNLOCK, 15, 16)),
    ("02 00 32 03 37", kp.status_all_frame(0), Command(kp.CMD_STATUS_ALL, 0, 1)),
    ("02 20 33 03 58", kp.unlock_all_frame(2), Command(kp.CMD_UNLOCK_ALL, 2, 1)),
    (
        "02 10 35 FB FF 04 00 03 48",
        kp.encode_status_reply(1, 0xFFFB, 0x0004),
        StatusReply(1, 0xFFFB, 0x0004),
    ),
]
IDS = [row[0] for row in VECTORS]

boards = st.integers(0, 15)
channels = st.integers(1, 16)
bits = st.integers(0, 0xFFFF)
commands = st.builds(Command, st.sampled_from(sorted(kp.COMMAND_CODES)), boards, channels)
replies = st.builds(StatusReply, boards, bits, bits)
frames = st.one_of(commands, replies)
noise_without_stx = st.binary(max_size=24).map(lambda b: b.replace(b"\x02", b""))


@pytest.mark.parametrize(("hex_bytes", "built", "frame"), VECTORS, ids=IDS)
def test_the_builders_produce_the_vectors(hex_bytes: str, built: bytes, frame: kp.Frame):
    assert built == bytes.fromhex(hex_bytes)


@pytest.mark.parametrize(("hex_bytes", "built", "frame"), VECTORS, ids=IDS)
def test_the_decoder_reads_the_vectors(hex_bytes: str, built: bytes, frame: kp.Frame):
    decoder = KerongDecoder()
    assert decoder.feed(bytes.fromhex(hex_bytes)) == [frame]
    assert kp.encode(frame) == bytes.fromhex(hex_bytes)
    assert decoder.dropped == decoder.skipped == 0


@pytest.mark.parametrize(
    ("board", "channel", "addr"), [(0, 1, 0x00), (1, 6, 0x15), (0, 16, 0x0F), (15, 1, 0xF0)]
)
def test_the_address_packs_board_and_channel(board: int, channel: int, addr: int):
    assert kp.address(board, channel) == addr


@pytest.mark.parametrize(("board", "channel"), [(-1, 1), (16, 1), (0, 0), (0, 17)])
def test_addresses_out_of_range_are_refused(board: int, channel: int):
    with pytest.raises(ValueError):
        kp.unlock_frame(board, channel)


@pytest.mark.parametrize(("lock_bits", "item_bits"), [(0x10000, 0), (0, -1), (-1, 0), (0, 0x10000)])
def test_status_bits_must_fit_in_16_bits(lock_bits: int, item_bits: int):
    with pytest.raises(ValueError):
        kp.encode_status_reply(0, lock_bits, item_bits)


def test_a_command_code_that_is_a_reply_is_refused():
    with pytest.raises(ValueError):
        kp.encode_command(Command(kp.REPLY_STATUS, 0, 1))


@pytest.mark.parametrize(
    ("lock_bits", "locked_bit", "channel", "locked"),
    [
        (0xFFFF, 1, 1, True),
        (0xFFFE, 1, 1, False),
        (0x8000, 1, 16, True),
        (0x7FFF, 1, 16, False),
        (0x0000, 0, 1, True),
        (0x0001, 0, 1, False),
        (0x0100, 0, 9, False),
        (0x0100, 1, 9, True),
    ],
)
def test_lock_polarity_is_a_setting(lock_bits: int, locked_bit: int, channel: int, locked: bool):
    assert StatusReply(0, lock_bits, 0).locked(channel, locked_bit) is locked


def test_the_public_reply_vector_means_all_locked_and_empty():
    (reply,) = KerongDecoder().feed(bytes.fromhex("02 00 35 FF FF 00 00 03 38"))
    assert isinstance(reply, StatusReply)
    assert all(reply.locked(c) for c in range(1, 17))
    assert not any(reply.item_present(c) for c in range(1, 17))


@pytest.mark.parametrize(("item_bits", "present"), [(0x0001, {1}), (0x0300, {9, 10}), (0, set())])
def test_item_bits_map_to_channels(item_bits: int, present: set[int]):
    reply = StatusReply(0, 0, item_bits)
    assert {c for c in range(1, 17) if reply.item_present(c)} == present


def test_a_status_reply_refuses_a_bad_channel_or_polarity():
    reply = StatusReply(0, 0, 0)
    with pytest.raises(ValueError):
        reply.locked(17)
    with pytest.raises(ValueError):
        reply.locked(1, locked_bit=2)


@pytest.mark.parametrize(
    ("hex_bytes", "dropped", "skipped"),
    [
        ("02 00 31 03 37", 1, 4),  # bad checksum
        ("02 00 31 04 37", 1, 4),  # no ETX
        ("02 00 35 FF FF 00 00 03 39", 1, 8),  # bad reply checksum
        ("02 00 40 03 45", 0, 5),  # not a known code: the STX was noise
        ("FF FE 00", 0, 3),
    ],
)
def test_bad_frames_are_dropped_and_counted(hex_bytes: str, dropped: int, skipped: int):
    decoder = KerongDecoder()
    assert decoder.feed(bytes.fromhex(hex_bytes)) == []
    assert (decoder.dropped, decoder.skipped) == (dropped, skipped)


def test_a_partial_frame_waits_for_the_rest():
    decoder = KerongDecoder()
    reply = bytes.fromhex("02 00 35 FF FF 00 00 03 38")
    assert decoder.feed(reply[:4]) == []
    assert decoder.feed(reply[4:8]) == []
    assert decoder.feed(reply[8:]) == [StatusReply(0, 0xFFFF, 0)]


def test_a_good_frame_inside_a_corrupted_one_is_found():
    # The corrupted reply's length covers the start of the next frame.
    stream = bytes.fromhex("02 00 35 FF") + kp.unlock_frame(1, 6)
    decoder = KerongDecoder()
    assert decoder.feed(stream) == [Command(kp.CMD_UNLOCK, 1, 6)]
    assert decoder.dropped == 1


def test_noise_that_looks_like_a_frame_can_hide_the_next_one():
    # Documented in docs/protocol-kerong.md: why the host confirms by a fresh status read.
    stream = bytes.fromhex("02 CA 33 03") + kp.status_frame(0)
    assert KerongDecoder().feed(stream) == [Command(kp.CMD_UNLOCK_ALL, 12, 11)]


def test_reset_forgets_a_partial_frame():
    decoder = KerongDecoder()
    decoder.feed(kp.status_frame(0)[:3])
    decoder.reset()
    assert decoder.feed(kp.status_frame(0)[3:]) == []


@given(frames)
def test_frames_round_trip(frame: kp.Frame):
    assert KerongDecoder().feed(kp.encode(frame)) == [frame]


@given(frames)
def test_every_frame_sums_to_its_checksum(frame: kp.Frame):
    data = kp.encode(frame)
    assert data[0] == kp.STX and data[-2] == kp.ETX
    assert data[-1] == kp.checksum(data[:-1])


@given(st.binary(max_size=512), st.lists(st.integers(1, 16), max_size=64))
def test_any_bytes_in_any_chunks_yield_only_frames_that_were_sent(data: bytes, cuts: list[int]):
    decoder = KerongDecoder()
    decoded, start = [], 0
    for cut in [*cuts, len(data)]:
        decoded += decoder.feed(data[start : start + cut])
        start += cut
    decoded += decoder.feed(data[start:])
    for frame in decoded:
        encoded = kp.encode(frame)
        assert encoded[-1] == kp.checksum(encoded[:-1])
        assert encoded in data
    # Only a partial frame is ever kept.
    assert decoder.buffered < kp.REPLY_LENGTH
    assert decoded == KerongDecoder().feed(data)


@given(st.lists(st.tuples(noise_without_stx, frames), max_size=12), noise_without_stx)
def test_frames_between_noise_are_all_recovered(pieces: list[tuple[bytes, kp.Frame]], tail: bytes):
    stream = b"".join(noise + kp.encode(frame) for noise, frame in pieces) + tail
    assert KerongDecoder().feed(stream) == [frame for _, frame in pieces]


@given(st.lists(frames, max_size=8), st.integers(0, 200), st.integers(0, 7))
def test_frames_after_a_corrupted_frame_are_recovered(
    sent: list[kp.Frame], position: int, flip: int
):
    good = b"".join(kp.encode(frame) for frame in sent)
    corrupted = bytearray(kp.unlock_frame(3, 4))
    index = 1 + position % (len(corrupted) - 1)
    corrupted[index] ^= 1 << flip
    decoder = KerongDecoder()
    # One flipped bit always breaks the sum, the ETX or the STX, so only the good frames remain.
    assert decoder.feed(bytes(corrupted) + good) == sent
