"""The bridge firmware's board logic behind a bench, reached over a pty with plain pyserial."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import serial

from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p
from locker.boards.sim import SimBench, SimulatorError
from locker.boards.sim.bridge_sim import DEFAULT_BAUD, BridgeSimulator
from tests.boards.conftest import wait_until

pytestmark = pytest.mark.timeout(30)


class BridgeHost:
    """A host speaking the bridge protocol over pyserial."""

    def __init__(self, path: str) -> None:
        self.serial = serial.serial_for_url(path, baudrate=DEFAULT_BAUD, timeout=0.05)
        self.decoder = p.Decoder()
        self.seq = 0

    def ask(self, address: int, code: int, payload: bytes = b"") -> p.Frame:
        """Send a command and return the reply to it, skipping events."""
        self.seq = p.next_seq(self.seq)
        self.serial.write(p.encode_frame(address, self.seq, code, payload))
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            data = self.serial.read(1)
            for frame in self.decoder.feed(data + self.serial.read(self.serial.in_waiting)):
                if frame.seq == self.seq and frame.code != p.EVENT:
                    return frame
        raise AssertionError("no reply")

    def status(self, address: int) -> pl.Status:
        return pl.decode_status(self.ask(address, p.CMD_STATUS).payload)

    def close(self) -> None:
        self.serial.close()


@pytest.fixture
def bench() -> Iterator[SimBench]:
    bench = SimBench(BridgeSimulator(boards=2), baudrate=DEFAULT_BAUD)
    bench.start()
    yield bench
    bench.stop()


@pytest.fixture
def host(bench: SimBench) -> Iterator[BridgeHost]:
    connected = BridgeHost(bench.path)
    for address in (1, 2):
        assert connected.ask(address, p.CMD_IDENTIFY).code == p.RSP_IDENTIFY
    yield connected
    connected.close()


def test_identify_and_status(host: BridgeHost):
    status = host.status(2)
    assert (status.channels, status.locked, status.door_closed) == (16, 0xFFFF, 0xFFFF)


def test_an_unlock_fires_and_the_door_swings_open(bench: SimBench, host: BridgeHost):
    reply = pl.decode_unlock_reply(host.ask(1, p.CMD_UNLOCK, pl.encode_unlock(3, 100)).payload)
    assert reply.fired and reply.door_opened
    channel = bench.state()["boards"][0]["channels"][2]
    assert (channel["fired"], channel["door_closed"]) == (1, False)
    bench.model.close_door(1, 3)
    wait_until(lambda: host.status(1).door_closed == 0xFFFF)


def test_a_stuck_lock_fires_but_the_door_stays_shut(bench: SimBench, host: BridgeHost):
    bench.set_fault("stuck_lock", True, 2, 5)
    reply = pl.decode_unlock_reply(host.ask(2, p.CMD_UNLOCK, pl.encode_unlock(5, 50)).payload)
    assert reply.fired and not reply.door_opened
    assert bench.state()["boards"][1]["channels"][4]["faults"] == ["stuck_lock"]


def test_a_wrong_channel_fault_names_another_channel_under_a_good_crc(
    bench: SimBench, host: BridgeHost
):
    bench.set_fault("wrong_channel", True, 1, 16)
    reply = pl.decode_unlock_reply(host.ask(1, p.CMD_UNLOCK, pl.encode_unlock(16, 50)).payload)
    assert (reply.channel, reply.fired, reply.door_opened) == (1, True, True)
    assert bench.state()["boards"][0]["channels"][15]["faults"] == ["wrong_channel"]
    bench.set_fault("wrong_channel", False, 1, 16)
    bench.model.close_door(1, 16)
    reply = pl.decode_unlock_reply(host.ask(1, p.CMD_UNLOCK, pl.encode_unlock(16, 50)).payload)
    assert reply.channel == 16


def test_a_door_left_open_stays_open(bench: SimBench, host: BridgeHost):
    bench.set_fault("door_left_open", True, 1, 1)
    bench.model.open_by_hand(1, 1)
    assert bench.model.close_door(1, 1) is False
    wait_until(lambda: host.status(1).door_closed == 0xFFFE)


def test_items_reach_the_status(bench: SimBench, host: BridgeHost):
    bench.model.put_item(1, 2)
    wait_until(lambda: host.status(1).item_present == 0x0002)
    bench.model.take_item(1, 2)
    wait_until(lambda: host.status(1).item_present == 0)


def test_the_boards_run_while_the_host_is_silent(bench: SimBench):
    # Without idle ticks the firmware's watchdog would reset it after two quiet seconds.
    hal = bench.model.boards[0].hal
    feeds = hal.watchdog_feeds
    wait_until(lambda: hal.watchdog_feeds > feeds + 5)


@pytest.mark.parametrize(
    ("name", "board", "channel"),
    [("sensor_random", 1, 1), ("stuck_lock", 3, 1), ("stuck_lock", 1, 17), ("melt", 1, 1)],
)
def test_faults_it_cannot_play_are_refused(bench: SimBench, name: str, board: int, channel: int):
    with pytest.raises(SimulatorError):
        bench.set_fault(name, True, board, channel)


def test_link_faults_apply_to_bridge_replies(bench: SimBench, host: BridgeHost):
    bench.set_fault("corrupt_byte", True)
    host.seq = p.next_seq(host.seq)
    host.serial.write(p.encode_frame(1, host.seq, p.CMD_STATUS))
    wait_until(lambda: bench.state()["link"]["replies_corrupted"] >= 1)
    bench.set_fault("corrupt_byte", False)
    assert host.status(1).locked == 0xFFFF
    assert host.decoder.dropped >= 1
