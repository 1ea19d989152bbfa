"""The bridge driver against simulated bridge boards running the real firmware logic on a pty."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest

from firmware_bridge.firmware import payloads
from firmware_bridge.firmware import protocol as bp
from locker.boards.bridge_driver import BridgeDriver, connect_bridge
from locker.boards.sim.bench import SimBench
from locker.boards.sim.bridge_sim import BridgeSimulator
from locker.domain.layout import BusSpec
from locker.ports import UnlockOutcome


@pytest.fixture
def bridge(lock_dir):
    with SimBench(BridgeSimulator(boards=2), baudrate=115200) as bench:
        connection = connect_bridge(BusSpec("b", "bridge", bench.path, 115200), bench.path)
        assert connection.bus.wait_connected(5)
        yield connection.driver, bench
        connection.bus.stop()


def fires(bench, address, channel):
    return bench.state()["boards"][address - 1]["channels"][channel - 1]["fired"]


def test_status_reports_sixteen_closed_doors(bridge):
    driver, _ = bridge
    channels = driver.status(0)
    assert sorted(channels) == list(range(1, 17))
    assert all(s.locked and s.door_closed for s in channels.values())


def test_an_unlock_is_confirmed_by_the_door_switch(bridge):
    driver, bench = bridge
    assert driver.open(1, 4) is UnlockOutcome.CONFIRMED
    assert not driver.status(1)[4].door_closed
    assert fires(bench, 2, 4) == 1


def test_a_stuck_lock_fires_but_is_not_confirmed(bridge):
    driver, bench = bridge
    bench.set_fault("stuck_lock", True, 1, 2)
    assert driver.open(0, 2) is UnlockOutcome.NOT_CONFIRMED
    assert fires(bench, 1, 2) == 1


def test_an_unlock_reply_naming_another_channel_is_not_a_confirmation(bridge):
    driver, bench = bridge
    bench.set_fault("wrong_channel", True, 1, 4)
    assert driver.open(0, 4) is UnlockOutcome.NOT_CONFIRMED
    assert fires(bench, 1, 4) == 1, "a reply that makes no sense is not a reason to fire again"
    assert driver.take_unlocked() == set()


def test_lost_replies_are_retransmitted_without_firing_twice(bridge):
    driver, bench = bridge
    bench.model.boards[0].drop_replies(2)
    assert driver.open(0, 1) is UnlockOutcome.CONFIRMED
    assert fires(bench, 1, 1) == 1


def test_a_corrupted_reply_is_retransmitted_and_fires_once(bridge):
    driver, bench = bridge
    bench.model.boards[0].corrupt_replies(1)
    assert driver.open(0, 3) is UnlockOutcome.CONFIRMED
    assert fires(bench, 1, 3) == 1


def test_a_silent_line_gives_no_answer_within_three_seconds(bridge):
    driver, bench = bridge
    bench.set_fault("no_reply", True)
    started = time.monotonic()
    assert driver.open(0, 1) is UnlockOutcome.NO_ANSWER
    assert time.monotonic() - started < 3.0


def test_a_board_that_restarted_is_identified_again(bridge):
    driver, bench = bridge
    assert driver.open(0, 1) is UnlockOutcome.CONFIRMED
    bench.model.boards[0].reset()
    hints = []
    driver.on_door_hint = lambda: hints.append(1)
    assert driver.open(0, 2) is UnlockOutcome.CONFIRMED
    assert hints, "a restart should make the poller re-read the status"


def test_door_events_are_acknowledged_and_hinted_once(bridge):
    driver, bench = bridge
    hints = []
    driver.on_door_hint = lambda: hints.append(1)
    driver.status(0)
    bench.model.open_by_hand(1, 5)
    deadline = time.monotonic() + 5
    while not hints and time.monotonic() < deadline:
        driver.status(0)  # on a shared bus a board speaks only after its own reply
    assert hints == [1]


def test_the_locker_runs_on_a_bridge_bus_end_to_end(ctx, courier, clock, db_path, lock_dir):
    from locker.domain.models import Size
    from locker.domain.states import CompartmentState, ParcelState
    from locker.services.collect_parcel import collect_by_qr
    from locker.services.deposit_parcel import deposit_parcel
    from locker.services.setup_locker import load_layout, parse_layout_toml
    from tests.hardware.conftest import running_locker
    from tests.hardware.test_locker_on_kerong import eventually
    from tests.support.layouts import SMALL_LAYOUT

    layout = SMALL_LAYOUT.replace(
        'name = "main"', 'name = "main"\ndriver = "bridge"\nbaud = 115200'
    )
    load_layout(ctx, parse_layout_toml(layout), "test")
    with running_locker(ctx, db_path, clock) as (bench, _, _):
        receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
        address = ctx.store.compartment(receipt.compartment).address
        bench.model.close_door(address.board + 1, address.channel)
        eventually(
            lambda: ctx.store.compartment(receipt.compartment).state is CompartmentState.OCCUPIED,
            "the closed door to settle the compartment",
        )
        clock.advance(minutes=5)
        assert collect_by_qr(ctx, receipt.qr).compartment == receipt.compartment
        assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED


class ScriptedBus:
    """A bus on which every board answers IDENTIFY, and UNLOCK with the payload given."""

    url = "scripted"
    connected = True

    def __init__(self, unlock_payload: bytes) -> None:
        self.unlock_payload = unlock_payload

    def exchange(self, request, accept, timeout_s):
        (command,) = bp.Decoder().feed(request)
        payload = {
            bp.CMD_IDENTIFY: payloads.encode_identify(16, False, "scripted"),
            bp.CMD_UNLOCK: self.unlock_payload,
        }[command.code]
        reply = bp.Frame(command.address, command.seq, command.code | bp.RESPONSE_BIT, payload)
        future = Future()
        future.set_result(reply if accept(reply) else None)
        return future


def test_a_malformed_unlock_reply_is_not_a_confirmation():
    driver = BridgeDriver(ScriptedBus(b"\x01\x01"))  # two bytes where three belong
    assert driver.open(0, 1) is UnlockOutcome.NOT_CONFIRMED


def test_an_unplugged_port_sends_nothing_and_says_so(lock_dir):
    with SimBench(BridgeSimulator(boards=1), baudrate=115200) as bench:
        connection = connect_bridge(BusSpec("b", "bridge", bench.path, 115200), bench.path)
        try:
            assert connection.bus.wait_connected(5)
            bench.port.unplug()
            deadline = time.monotonic() + 5
            while connection.bus.connected and time.monotonic() < deadline:
                time.sleep(0.01)  # the bus's owner thread notices the lost port
            assert connection.driver.open(0, 2) is UnlockOutcome.NOT_SENT

            bench.port.replug()
            assert connection.bus.wait_connected(5)
            assert fires(bench, 1, 2) == 0
            assert connection.driver.open(0, 2) is UnlockOutcome.CONFIRMED
        finally:
            connection.bus.stop()
