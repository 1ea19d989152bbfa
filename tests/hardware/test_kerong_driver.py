"""The Kerong driver against the simulated boards, real bytes through pyserial on a pty."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest

from locker.boards import kerong_protocol as kp
from locker.boards.kerong_driver import CONFIRM_POLL_S, BoardNotAnsweringError, KerongDriver
from locker.boards.kerong_protocol import KerongDecoder
from locker.boards.port_lock import PortBusyError
from locker.boards.serial_bus import SerialBus
from locker.ports import UnlockOutcome
from tests.hardware.conftest import make_bench


def test_a_fresh_board_reports_every_channel_locked_and_empty(kerong):
    channels = kerong.status(0)
    assert sorted(channels) == list(range(1, 17))
    assert all(s.locked and s.door_closed and s.item_present is False for s in channels.values())


def test_an_unlock_is_confirmed_by_the_status_that_follows(kerong, kerong_bench):
    assert kerong.open(1, 6) is UnlockOutcome.CONFIRMED
    assert not kerong.status(1)[6].locked
    assert kerong_bench.state()["boards"][1]["channels"][5]["locked"] is False


def test_a_board_that_answers_the_unlock_with_its_status_is_confirmed_too(lock_dir):
    with make_bench(unlock_replies_with_status=True) as bench:
        bus = SerialBus(bench.path, KerongDecoder).start()
        try:
            assert bus.wait_connected(5)
            assert KerongDriver(bus).open(0, 1) is UnlockOutcome.CONFIRMED
        finally:
            bus.stop()


def test_a_stuck_lock_is_not_confirmed(kerong, kerong_bench):
    kerong_bench.set_fault("stuck_lock", True, 0, 3)
    assert kerong.open(0, 3) is UnlockOutcome.NOT_CONFIRMED
    assert kerong.status(0)[3].locked


def test_one_status_read_that_says_released_is_not_a_confirmation(kerong, kerong_bench):
    # Noise that keeps the 8-bit sum: one reply reads released while the latch holds.
    kerong_bench.set_fault("stuck_lock", True, 0, 3)
    kerong_bench.set_fault("false_release", True, 0, 3)
    assert kerong.open(0, 3) is UnlockOutcome.NOT_CONFIRMED
    assert "false_release" not in kerong_bench.state()["boards"][0]["channels"][2]["faults"]
    assert kerong.take_unlocked() == set()


def test_no_reply_gives_no_answer_within_three_seconds(kerong, kerong_bench):
    kerong_bench.set_fault("no_reply", True)
    started = time.monotonic()
    assert kerong.open(0, 1) is UnlockOutcome.NO_ANSWER
    assert time.monotonic() - started < 3.0
    with pytest.raises(BoardNotAnsweringError):
        kerong.status(0)


def test_a_corrupted_reply_is_never_taken_for_an_answer(kerong, kerong_bench):
    kerong_bench.set_fault("corrupt_byte", True)
    assert kerong.open(0, 1) is UnlockOutcome.NO_ANSWER


def test_a_delayed_reply_within_the_timeout_is_confirmed_once(kerong, kerong_bench):
    kerong_bench.set_fault("delay", True, value=100)
    before = kerong_bench.model.commands
    assert kerong.open(0, 2) is UnlockOutcome.CONFIRMED
    assert kerong_bench.model.commands - before == 3  # one unlock, two agreeing status reads


def test_the_lock_polarity_is_a_setting(lock_dir):
    with make_bench(locked_bit=0) as bench:
        bus = SerialBus(bench.path, KerongDecoder).start()
        try:
            assert bus.wait_connected(5)
            driver = KerongDriver(bus, locked_bit=0)
            assert driver.status(0)[1].locked
            assert driver.open(0, 1) is UnlockOutcome.CONFIRMED
        finally:
            bus.stop()


def test_eight_boards_of_sixteen_channels_share_one_bus(lock_dir):
    with make_bench(boards=8) as bench:
        bus = SerialBus(bench.path, KerongDecoder).start()
        try:
            assert bus.wait_connected(5)
            driver = KerongDriver(bus)
            outcomes = {(b, c): driver.open(b, c) for b in range(8) for c in range(1, 17)}
            assert set(outcomes.values()) == {UnlockOutcome.CONFIRMED}
            assert all(not s.locked for b in range(8) for s in driver.status(b).values())
        finally:
            bus.stop()


def test_an_unplugged_adapter_fails_cleanly_then_reconnects_and_resyncs(kerong_bench, lock_dir):
    resyncs = []
    bus = SerialBus(
        kerong_bench.path, KerongDecoder, on_reconnect=lambda: resyncs.append(1)
    ).start()
    try:
        assert bus.wait_connected(5)
        driver = KerongDriver(bus)
        kerong_bench.port.unplug()
        assert driver.open(0, 1) is UnlockOutcome.NO_ANSWER
        kerong_bench.port.replug()
        deadline = time.monotonic() + 10
        while not (bus.connected and resyncs) and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting on the owner thread's back-off, bounded by the deadline
        assert bus.connected and resyncs == [1]
        assert driver.open(0, 1) is UnlockOutcome.CONFIRMED
    finally:
        bus.stop()


def test_only_one_process_may_own_a_port(kerong_bus, kerong_bench):
    with pytest.raises(PortBusyError, match="in use by process"):
        SerialBus(kerong_bench.path, KerongDecoder).start()


class ScriptedBoard:
    """A bus to board 0 whose status replies follow a script for channel 1: True = latched."""

    url = "scripted"
    connected = True

    def __init__(self, *latched):
        self.script = list(latched)
        self.sent = []

    def exchange(self, request, accept, timeout_s):
        self.sent.append(request)
        future = Future()
        if accept is None:
            future.set_result(None)
        else:
            future.set_result(kp.StatusReply(0, 0xFFFE | int(self.script.pop(0)), 0))
        return future


def test_a_latch_that_lets_go_late_is_confirmed_by_the_two_reads_after_it():
    board, sleeps = ScriptedBoard(True, True, False, False), []
    driver = KerongDriver(board, sleep=sleeps.append)
    assert driver.open(0, 1) is UnlockOutcome.CONFIRMED
    assert board.sent == [kp.unlock_frame(0, 1)] + [kp.status_frame(0)] * 4
    # A pause after each read of a latch still held, none between the two agreeing reads.
    assert sleeps == [CONFIRM_POLL_S, CONFIRM_POLL_S]


def test_a_lone_released_read_is_confirmed_only_by_two_in_a_row_after_it():
    board, sleeps = ScriptedBoard(False, True, False, False), []
    assert KerongDriver(board, sleep=sleeps.append).open(0, 1) is UnlockOutcome.CONFIRMED
    assert board.sent.count(kp.status_frame(0)) == 4
    assert board.script == []


def test_a_latch_still_held_is_read_again_within_one_status_exchange_on_the_wire():
    # A longer pause leaves the bus idle after the latch has let go; at 19200 baud a status
    # request and its reply take this long on the wire (10 bits a byte).
    request, reply = kp.status_frame(0), kp.encode_status_reply(0, 0, 0)
    wire_s = (len(request) + len(reply)) * 10 / 19200
    assert wire_s >= CONFIRM_POLL_S


def test_an_unplugged_port_sends_nothing_and_says_so(kerong, kerong_bus, kerong_bench):
    kerong_bench.port.unplug()
    deadline = time.monotonic() + 5
    while kerong_bus.connected and time.monotonic() < deadline:
        time.sleep(0.01)  # the bus's owner thread notices the lost port
    assert kerong.open(0, 1) is UnlockOutcome.NOT_SENT

    kerong_bench.port.replug()
    assert kerong_bus.wait_connected(5)
    assert kerong_bench.state()["boards"][0]["channels"][0]["locked"] is True
    assert kerong.open(0, 1) is UnlockOutcome.CONFIRMED
