"""The simulated hardware and the bytes-in, bytes-out simulator the host simulator plugs in."""

from __future__ import annotations

import pytest

from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p
from firmware_bridge.sim_board import SimBoard, SimBus
from firmware_bridge.sim_hal import ManualClock, RealClock, SimulatedHal
from tests.firmware.host import Host, error_of


def test_a_door_without_a_spring_opens_only_when_pulled_after_the_pulse() -> None:
    hal = SimulatedHal(channels=2, spring=False)
    assert not hal.open_door(1)
    hal.set_relay(1, True)
    hal.set_relay(1, False)
    assert hal.is_door_closed(1) and not hal.is_latched(1)
    assert hal.open_door(1)
    hal.close_door(1)
    assert hal.is_latched(1) and not hal.open_door(1)
    assert hal.open_door(1, force=True)


def test_a_stuck_lock_keeps_its_latch() -> None:
    hal = SimulatedHal(channels=2)
    hal.set_stuck(2)
    hal.set_relay(2, True)
    assert hal.relay_fires(2) == 1 and hal.is_latched(2) and hal.door_closed(2)
    hal.set_stuck(2, False)
    hal.set_relay(2, False)
    hal.set_relay(2, True)
    assert not hal.door_closed(2)


def test_items_and_broken_switches() -> None:
    hal = SimulatedHal(channels=1)
    hal.put_item(1)
    assert hal.item_present(1)
    hal.take_item(1)
    assert not hal.item_present(1)
    hal.break_door_switch(1, False)
    assert not hal.door_closed(1) and hal.is_door_closed(1)
    hal.break_door_switch(1, None)
    assert hal.door_closed(1)
    with pytest.raises(ValueError, match="channel 2"):
        hal.put_item(2)


def test_the_clocks() -> None:
    manual = ManualClock(5)
    manual.advance(10)
    assert manual.now_ms() == 15
    with pytest.raises(ValueError):
        manual.advance(-1)
    real = RealClock()
    before = real.now_ms()
    real.advance(60_000)
    assert 60_000 <= real.now_ms() - before < 61_000


def test_on_real_time_an_unlock_is_answered_without_waiting_for_the_pulse() -> None:
    sim = SimBoard(channels=4, spring=False)
    host = Host(sim)
    host.identify()
    start = sim.clock.now_ms()
    reply = pl.decode_unlock_reply(host.unlock(1, 2000).payload)
    assert reply.fired and not reply.door_opened
    # Two simulated seconds went by; the call returned long before that in real time.
    assert sim.clock.now_ms() - start >= 2000


def test_dropped_and_corrupted_replies_are_recovered_by_retransmitting() -> None:
    sim = SimBoard(channels=4, clock=ManualClock())
    host = Host(sim)
    host.identify()
    sim.drop_replies()
    command = p.encode_frame(1, 2, p.CMD_UNLOCK, pl.encode_unlock(2, 300))
    assert sim(command) == b""
    sim.corrupt_replies()
    assert host.take(sim(command)) == []
    # The door-opened event went out (and was lost) with the first reply; it is retried later.
    frames = host.take(sim(command))
    assert [(f.seq, f.code) for f in frames] == [(2, p.RSP_UNLOCK)]
    assert [f.code for f in host.take(sim.advance(p.EVENT_RETRY_MS))] == [p.EVENT]
    assert sim.hal.relay_fires(2) == 1


def test_boards_on_one_bus_answer_only_to_their_address() -> None:
    clock = ManualClock()
    bus = SimBus([SimBoard(address=a, channels=4, clock=clock, shared_bus=True) for a in (1, 2)])
    one, two = Host(bus, address=1), Host(bus, address=2)
    one.identify()
    two.identify()
    pl.decode_unlock_reply(two.unlock(3).payload)
    assert bus.board(2).hal.relay_fires(3) == 1
    assert bus.board(1).hal.total_fires() == 0
    # Board 2's door event waits for its turn; board 1's poll does not carry it.
    assert bus.advance(1000) == b""
    assert [f.address for f in one.send(p.CMD_HEARTBEAT)] == [1]
    assert [(f.address, f.code) for f in two.send(p.CMD_HEARTBEAT)] == [
        (2, p.RSP_HEARTBEAT),
        (2, p.EVENT),
    ]
    assert bus.step() == b""


def test_a_bus_needs_one_clock_and_distinct_addresses() -> None:
    with pytest.raises(ValueError, match="clock"):
        SimBus([SimBoard(address=1, clock=ManualClock()), SimBoard(address=2)])
    clock = ManualClock()
    with pytest.raises(ValueError, match="address"):
        SimBus([SimBoard(address=1, clock=clock), SimBoard(address=1, clock=clock)])
    with pytest.raises(KeyError):
        SimBus([SimBoard(address=1, clock=clock)]).board(9)


def test_a_power_cut_forgets_the_session() -> None:
    sim = SimBoard(channels=4, clock=ManualClock())
    host = Host(sim)
    host.identify()
    sim.reset()
    assert sim.resets == 1
    assert error_of(host.ask(p.CMD_HEARTBEAT)) == p.ERR_NOT_IDENTIFIED
    host.identify()
    assert host.heartbeat().counter == 1
