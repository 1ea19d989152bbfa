"""Property tests: the decoder survives any byte stream, and no line fault fires a lock twice."""

from __future__ import annotations

import binascii
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p
from firmware_bridge.sim_board import SimBoard
from firmware_bridge.sim_hal import ManualClock

frames = st.builds(
    p.Frame,
    address=st.integers(p.ADDRESS_MIN, p.ADDRESS_MAX),
    seq=st.integers(0, 255),
    code=st.integers(0, 255),
    payload=st.binary(max_size=p.MAX_PAYLOAD),
)
# Noise without the sync byte cannot start a false frame, so every real frame must survive it.
quiet_noise = st.binary(max_size=40).map(lambda data: data.replace(p.SYNC_BYTES, b""))


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """Data cut into chunks at the given offsets, as a UART hands it over."""
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def feed_all(decoder: p.Decoder, chunks: list[bytes]) -> list[p.Frame]:
    """Every frame the chunks give."""
    out: list[p.Frame] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out


@given(st.binary(max_size=300))
def test_crc_agrees_with_the_standard_library(data: bytes) -> None:
    assert p.crc16(data) == binascii.crc_hqx(data, p.CRC_INIT)


@given(st.lists(frames, max_size=8), st.lists(st.integers(0, 400), max_size=12))
def test_frames_survive_any_chunking(sent: list[p.Frame], cuts: list[int]) -> None:
    stream = b"".join(f.encode() for f in sent)
    assert feed_all(p.Decoder(), split(stream, cuts)) == sent


@given(st.lists(st.tuples(quiet_noise, frames), max_size=8), quiet_noise)
def test_frames_survive_noise_between_them(
    pieces: list[tuple[bytes, p.Frame]], tail: bytes
) -> None:
    stream = b"".join(noise + frame.encode() for noise, frame in pieces) + tail
    decoder = p.Decoder()
    assert decoder.feed(stream) + decoder.idle() == [frame for _, frame in pieces]


@given(st.binary(max_size=500), st.lists(st.integers(0, 600), max_size=10))
def test_garbage_never_crashes_nor_yields_a_frame_that_is_not_on_the_line(
    garbage: bytes, cuts: list[int]
) -> None:
    decoder = p.Decoder()
    decoded = feed_all(decoder, split(garbage, cuts)) + decoder.idle()
    for frame in decoded:
        # Every frame was on the line byte for byte, CRC included.
        assert frame.encode() in garbage
    assert decoder.buffered == 0


@given(
    st.binary(max_size=80),
    st.lists(frames, min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), max_size=6),
)
def test_after_a_quiet_line_the_decoder_is_clean(
    garbage: bytes, sent: list[p.Frame], flips: list[tuple[int, int]]
) -> None:
    noisy = bytearray(garbage)
    for index, mask in flips:
        if noisy:
            noisy[index % len(noisy)] ^= mask
    decoder = p.Decoder()
    decoder.feed(bytes(noisy))
    decoder.idle()
    assert decoder.feed(b"".join(f.encode() for f in sent)) == sent


@given(frames, st.integers(0, 10_000), st.integers(1, 255))
def test_one_garbled_byte_never_passes(frame: p.Frame, index: int, mask: int) -> None:
    data = bytearray(frame.encode())
    data[index % len(data)] ^= mask
    decoder = p.Decoder()
    decoded = decoder.feed(bytes(data)) + decoder.idle()
    assert frame not in decoded
    for other in decoded:
        assert other.encode() in bytes(data)


# --- line faults against the board ---------------------------------------------------------

CHANNELS = 4
# What the line does to each copy of a command on its way to the board.
faults = st.sampled_from(["deliver", "drop", "duplicate", "garble", "noise"])


@st.composite
def hostile_line(draw: st.DrawFn) -> tuple[int, list[tuple[bytes, int]]]:
    """A first seq and a stream of (bytes, ms of silence after them) built from UNLOCKs."""
    first = draw(st.integers(0, 255))
    count = draw(st.integers(1, 25))
    commands = []
    seq = first
    for _ in range(count):
        seq = p.next_seq(seq)
        channel = draw(st.integers(1, CHANNELS))
        commands.append(p.encode_frame(1, seq, p.CMD_UNLOCK, pl.encode_unlock(channel, 20)))
    line: list[tuple[bytes, int]] = []
    for i, command in enumerate(commands):
        for _ in range(draw(st.integers(1, 3))):
            fault = draw(faults)
            pause = draw(st.sampled_from([0, 1, 5, 25, 60]))
            if fault == "drop":
                continue
            if fault == "garble":
                data = bytearray(command)
                data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
                line.append((bytes(data), pause))
            elif fault == "noise":
                line.append((draw(quiet_noise) + command[: draw(st.integers(0, 9))], pause))
            else:
                line.extend([(command, pause)] * (2 if fault == "duplicate" else 1))
        # Replay an old command now and then, as a confused repeater might.
        if i and draw(st.booleans()):
            line.append((commands[draw(st.integers(0, i - 1))], draw(st.integers(0, 60))))
    return first, line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_line())
def test_a_hostile_line_never_fires_a_lock_more_than_once_per_command(
    case: tuple[int, list[tuple[bytes, int]]],
) -> None:
    first, line = case
    sim = SimBoard(channels=CHANNELS, clock=ManualClock(), spring=False)
    sim(p.encode_frame(1, first, p.CMD_IDENTIFY))
    intact: set[int] = set()
    for data, pause in line:
        # Only a command that reached the board byte for byte can count.
        for frame in p.Decoder().feed(data):
            if frame.code == p.CMD_UNLOCK:
                intact.add(frame.seq)
        sim.hal.host_write(data)
        sim.step()
        sim.advance(pause)
    sim.advance(200)
    assert sim.hal.total_fires() <= len(intact)
    assert sim.board.relay_fires == sim.hal.total_fires()
    assert not any(sim.hal.relay_on(c) for c in range(1, CHANNELS + 1))


@given(st.integers(0, 255), st.lists(st.integers(1, CHANNELS), min_size=1, max_size=20))
def test_a_clean_line_fires_every_command_exactly_once(first: int, channels: list[int]) -> None:
    sim = SimBoard(channels=CHANNELS, clock=ManualClock(), spring=False)
    sim(p.encode_frame(1, first, p.CMD_IDENTIFY))
    seq = first
    for channel in channels:
        seq = p.next_seq(seq)
        command = p.encode_frame(1, seq, p.CMD_UNLOCK, pl.encode_unlock(channel, 20))
        reply = p.Decoder().feed(sim(command))
        # Every retransmit gets the very same reply, and fires nothing.
        assert p.Decoder().feed(sim(command)) == reply
    assert sim.hal.total_fires() == len(channels)
