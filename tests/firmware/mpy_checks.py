"""The firmware's core checks in plain asserts, for the MicroPython unix port and for CPython.

Run: micropython tests/firmware/mpy_checks.py REPO_ROOT   (prints "ALL OK" and exits 0)
test_micropython.py runs it that way; pytest also runs each check under CPython.
No pytest here, and only the subset MicroPython has: no typing, enum or dataclasses.
"""

import sys

if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else ".")

from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p
from firmware_bridge.firmware.board import Board
from firmware_bridge.firmware.debounce import Debouncer
from firmware_bridge.firmware.hal import Hal

ADDRESS = 1
# Byte-exact vectors (the IDENTIFY, UNLOCK and EVENT examples of docs/protocol-bridge.md), so
# both interpreters must produce the same bytes.
VECTORS = (
    ((1, 0x10, p.CMD_IDENTIFY, b""), "7E 00 01 10 01 A0 A2"),
    ((1, 0x11, p.CMD_UNLOCK, b"\x03\x01\xf4"), "7E 03 01 11 02 03 01 F4 EA 75"),
    (
        (1, 0x00, p.EVENT, b"\x03\x02\x0f\x00\x01\xe2\x40"),
        "7E 07 01 00 C0 03 02 0F 00 01 E2 40 A6 B9",
    ),
    ((1, 0x00, p.CMD_ACK, b""), "7E 00 01 00 05 E3 55"),
)


class FakeHal(Hal):
    """Hardware as plain lists and a clock the checks move by hand."""

    def __init__(self, channels=4, item_sensors=True):
        self.channels = channels
        self.item_sensors = item_sensors
        # Relays start energised, as a glitching output could leave them: the board must drop them.
        self.relays = [True] * channels
        self.doors = [True] * channels
        self.items = [False] * channels
        self.fires = [0] * channels
        self.rx = b""
        self.tx = []
        self.feeds = 0
        self.now = 1000

    def set_relay(self, channel, on):
        if on and not self.relays[channel - 1]:
            self.fires[channel - 1] += 1
        self.relays[channel - 1] = on

    def door_closed(self, channel):
        return self.doors[channel - 1]

    def item_present(self, channel):
        return self.items[channel - 1]

    def uart_read(self):
        data = self.rx
        self.rx = b""
        return data

    def uart_write(self, data):
        self.tx.append(bytes(data))

    def feed_watchdog(self):
        self.feeds += 1

    def millis(self):
        return self.now


def _board(shared_bus=False, identify=True):
    hal = FakeHal()
    board = Board(hal, ADDRESS, shared_bus)
    if identify:
        assert _ask(board, 0, p.CMD_IDENTIFY)[0].code == p.RSP_IDENTIFY
    return hal, board


def _run(board, ms):
    # Step the loop once per millisecond, as a busy main loop would.
    for _ in range(ms):
        board.hal.now += 1
        board.step()


def _sent(board):
    frames = p.Decoder().feed(b"".join(board.hal.tx))
    board.hal.tx = []
    return frames


def _ask(board, seq, code, payload=b""):
    board.hal.rx += p.encode_frame(ADDRESS, seq, code, payload)
    board.step()
    return _sent(board)


def check_crc_check_value():
    assert p.crc16(b"123456789") == p.CRC_CHECK == 0x29B1
    assert p.crc16(b"A") == 0xB915
    assert p.crc16(b"") == 0xFFFF


def check_frame_vectors():
    for (address, seq, code, payload), text in VECTORS:
        assert p.hexdump(p.encode_frame(address, seq, code, payload)) == text, text


def check_round_trip():
    for address, seq, code, payload in ((1, 0, 1, b""), (254, 255, 0xE0, bytes(range(32)))):
        frames = p.Decoder().feed(p.encode_frame(address, seq, code, payload))
        assert frames == [p.Frame(address, seq, code, payload)]


def check_resync_after_garbage():
    good = p.encode_frame(2, 7, p.CMD_STATUS)
    bad = bytearray(p.encode_frame(2, 6, p.CMD_STATUS))
    bad[4] ^= 0x01
    decoder = p.Decoder()
    frames = decoder.feed(b"\x00\xff\x7e\x7e\x21" + bytes(bad) + good)
    assert frames == [p.Frame(2, 7, p.CMD_STATUS)]
    assert decoder.dropped >= 2


def check_byte_by_byte_feeding():
    stream = p.encode_frame(1, 1, 1) + b"\x13\x7e" + p.encode_frame(1, 2, 3, b"xyz")
    decoder = p.Decoder()
    frames = []
    for i in range(len(stream)):
        frames += decoder.feed(stream[i : i + 1])
    assert frames == p.Decoder().feed(stream)
    assert [f.seq for f in frames] == [1, 2]


def check_idle_drops_a_cut_frame():
    decoder = p.Decoder()
    cut = p.encode_frame(1, 1, p.CMD_STATUS, bytes(32))[:6]
    good = p.encode_frame(1, 2, p.CMD_STATUS)
    # Without the quiet period the cut frame would swallow the good one while it waits.
    assert decoder.feed(cut + good) == []
    assert decoder.idle() == [p.Frame(1, 2, p.CMD_STATUS)]
    assert decoder.buffered == 0


def check_payload_codecs():
    assert pl.decode_identify(pl.encode_identify(8, True, "fw")) == pl.Identity(1, 8, True, "fw")
    assert pl.decode_unlock(pl.encode_unlock(16, 2000)) == pl.UnlockRequest(16, 2000)
    reply = pl.decode_unlock_reply(pl.encode_unlock_reply(3, True, p.STATE_LOCKED))
    assert reply.fired and reply.door_opened
    status = pl.decode_status(pl.encode_status(4, True, 0xF, 0x5, 0x1))
    assert status.state(1) == 0x0F and status.state(2) == p.STATE_LOCKED | p.STATE_ITEM_SENSOR
    assert pl.decode_heartbeat(pl.encode_heartbeat(5, 6, 7, 1)) == pl.Heartbeat(5, 6, 7, 1)
    event = pl.decode_event(pl.encode_event(2, p.EVENT_DOOR_OPENED, 0, 2**32 + 5))
    assert event == pl.Event(2, p.EVENT_DOOR_OPENED, 0, 5)
    for bad in (b"", b"\x01\x02", b"\x01\x02\x03\x04"):
        try:
            pl.decode_unlock(bad)
        except p.ProtocolError:
            continue
        raise AssertionError("accepted " + repr(bad))


def check_seq_window():
    assert p.seq_is_newer(0, -1)
    assert p.seq_is_newer(1, 0) and p.seq_is_newer(0, 255) and p.seq_is_newer(127, 0)
    assert not p.seq_is_newer(0, 0) and not p.seq_is_newer(128, 0) and not p.seq_is_newer(255, 0)


def check_debouncer_needs_a_stable_change():
    debouncer = Debouncer([True], 30)
    assert not debouncer.update(0, False, 0)
    assert not debouncer.update(0, True, 10)  # bounced back: the wait starts again
    assert not debouncer.update(0, False, 20)
    assert not debouncer.update(0, False, 49)
    assert debouncer.update(0, False, 50)
    assert debouncer.state == [False]


def check_relays_off_at_start():
    hal, _ = _board(identify=False)
    assert hal.relays == [False] * hal.channels


def check_commands_wait_for_identify():
    _, board = _board(identify=False)
    reply = _ask(board, 5, p.CMD_UNLOCK, pl.encode_unlock(1, 100))
    assert reply[0].code == p.RSP_ERROR
    assert pl.decode_error(reply[0].payload) == p.ERR_NOT_IDENTIFIED
    assert board.hal.fires == [0] * 4


def check_unlock_pulse_is_non_blocking_and_fires_once():
    hal, board = _board()
    unlock = pl.encode_unlock(2, 100)
    assert _ask(board, 1, p.CMD_UNLOCK, unlock) == []  # the reply waits for the pulse
    assert hal.relays[1] and board.busy
    assert _ask(board, 1, p.CMD_UNLOCK, unlock) == []  # a retransmit while it runs
    _run(board, 99)
    assert hal.relays[1]
    _run(board, 1)
    assert not hal.relays[1]
    (reply,) = _sent(board)
    assert (reply.seq, reply.code) == (1, p.RSP_UNLOCK)
    assert pl.decode_unlock_reply(reply.payload) == pl.UnlockReply(2, True, 0x0B)
    # Retransmitted after the reply was lost: the same reply again, and no second pulse.
    assert _ask(board, 1, p.CMD_UNLOCK, unlock) == [reply]
    assert hal.fires == [0, 1, 0, 0]


def check_pulse_ends_when_the_door_opens():
    hal, board = _board()
    _ask(board, 1, p.CMD_UNLOCK, pl.encode_unlock(1, 1000))
    hal.doors[0] = False
    _run(board, p.DEBOUNCE_MS + 1)
    assert not hal.relays[0]
    reply = pl.decode_unlock_reply(_sent(board)[0].payload)
    assert reply.fired and reply.door_opened


def check_stale_and_reused_seqs_are_refused():
    _, board = _board()
    assert _ask(board, 1, p.CMD_STATUS)[0].code == p.RSP_STATUS
    for seq, code in ((0, p.CMD_STATUS), (1, p.CMD_HEARTBEAT)):
        reply = _ask(board, seq, code)
        assert pl.decode_error(reply[0].payload) == p.ERR_SEQ
    assert board.heartbeats == 0


def check_door_events_are_debounced_retried_and_acked():
    hal, board = _board()
    hal.doors[2] = False
    _run(board, 10)
    hal.doors[2] = True  # a bounce shorter than the debounce
    _run(board, 50)
    assert _sent(board) == []
    hal.doors[2] = False
    _run(board, p.DEBOUNCE_MS + 1)
    (event,) = _sent(board)
    assert event.code == p.EVENT
    assert pl.decode_event(event.payload).kind == p.EVENT_DOOR_OPENED
    _run(board, p.EVENT_RETRY_MS)
    assert _sent(board) == [event]  # not acknowledged: sent again, same seq
    assert _ask(board, event.seq, p.CMD_ACK) == []
    _run(board, 3 * p.EVENT_RETRY_MS)
    assert _sent(board) == [] and board.pending_events == 0


def check_event_retries_are_bounded():
    hal, board = _board()
    hal.doors[0] = False
    _run(board, p.DEBOUNCE_MS + p.EVENT_RETRY_MS * (p.EVENT_MAX_TRIES + 2))
    assert len(_sent(board)) == p.EVENT_MAX_TRIES
    assert board.pending_events == 0 and board.events_dropped == 1


def check_shared_bus_events_wait_for_a_turn():
    hal, board = _board(shared_bus=True)
    hal.doors[0] = False
    _run(board, 500)
    assert _sent(board) == []
    frames = _ask(board, 1, p.CMD_HEARTBEAT)
    assert [f.code for f in frames] == [p.RSP_HEARTBEAT, p.EVENT]


def check_watchdog_is_fed_only_while_healthy():
    hal, board = _board()
    _run(board, 10)
    assert hal.feeds == 11
    _ask(board, 1, p.CMD_UNLOCK, pl.encode_unlock(1, 100))
    # The loop stalls past the pulse's end: the relay overran, so the board stops feeding.
    hal.now += 100 + 500
    board.step()
    assert board.fault is not None and not hal.relays[0]
    feeds = hal.feeds
    _run(board, 10)
    assert hal.feeds == feeds


def check_clock_going_back_is_a_fault():
    hal, board = _board()
    hal.now -= 5
    board.step()
    assert board.fault == "clock went back"


CHECKS = (
    check_crc_check_value,
    check_frame_vectors,
    check_round_trip,
    check_resync_after_garbage,
    check_byte_by_byte_feeding,
    check_idle_drops_a_cut_frame,
    check_payload_codecs,
    check_seq_window,
    check_debouncer_needs_a_stable_change,
    check_relays_off_at_start,
    check_commands_wait_for_identify,
    check_unlock_pulse_is_non_blocking_and_fires_once,
    check_pulse_ends_when_the_door_opens,
    check_stale_and_reused_seqs_are_refused,
    check_door_events_are_debounced_retried_and_acked,
    check_event_retries_are_bounded,
    check_shared_bus_events_wait_for_a_turn,
    check_watchdog_is_fed_only_while_healthy,
    check_clock_going_back_is_a_fault,
)


def main():
    """Run every check; print one line per failure and exit non-zero if any failed."""
    failed = 0
    for check in CHECKS:
        try:
            check()
        except Exception as error:  # report every failing check, not just the first
            failed += 1
            print("FAIL", check.__name__, type(error).__name__, error)
    if failed:
        print(failed, "of", len(CHECKS), "checks failed")
        sys.exit(1)
    print("ALL OK:", len(CHECKS), "checks on", sys.implementation.name)


if __name__ == "__main__":
    main()
