"""The board logic on simulated hardware: sessions, unlocks, idempotency, events, watchdog."""

from __future__ import annotations

import pytest

from firmware_bridge.firmware import board as board_module
from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p
from firmware_bridge.sim_board import SimBoard
from firmware_bridge.sim_hal import ManualClock
from tests.firmware.host import Host, error_of, events

LOCKED_CLOSED = p.STATE_LOCKED | p.STATE_DOOR_CLOSED | p.STATE_ITEM_SENSOR


@pytest.fixture
def sim() -> SimBoard:
    return SimBoard(channels=8, clock=ManualClock(), spring=True)


@pytest.fixture
def host(sim: SimBoard) -> Host:
    host = Host(sim)
    host.identify()
    return host


def test_identify_reports_version_channels_and_sensors(sim: SimBoard) -> None:
    assert Host(sim).identify() == pl.Identity(
        p.PROTOCOL_VERSION, 8, True, board_module.FIRMWARE_VERSION
    )


@pytest.mark.parametrize(
    ("code", "payload", "error"),
    [
        (p.CMD_UNLOCK, pl.encode_unlock(1, 300), p.ERR_NOT_IDENTIFIED),
        (p.CMD_STATUS, b"", p.ERR_NOT_IDENTIFIED),
        (p.CMD_HEARTBEAT, b"", p.ERR_NOT_IDENTIFIED),
    ],
)
def test_a_board_without_a_session_runs_nothing(
    sim: SimBoard, code: int, payload: bytes, error: int
) -> None:
    assert error_of(Host(sim).ask(code, payload)) == error
    assert sim.hal.total_fires() == 0


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b"\x09\x01\x2c", p.ERR_BAD_CHANNEL),  # channel 9 on an 8-channel board
        (b"\x00\x01\x2c", p.ERR_BAD_CHANNEL),
        (b"\x01\x00\x05", p.ERR_BAD_PAYLOAD),  # 5 ms: shorter than any latch needs
        (b"\x01\x27\x10", p.ERR_BAD_PAYLOAD),  # 10 s would burn the coil
        (b"\x01\x01", p.ERR_BAD_PAYLOAD),
    ],
)
def test_bad_unlocks_are_refused(sim: SimBoard, host: Host, payload: bytes, error: int) -> None:
    assert error_of(host.ask(p.CMD_UNLOCK, payload)) == error
    assert sim.hal.total_fires() == 0


def test_unknown_commands_get_an_error(host: Host) -> None:
    assert error_of(host.ask(0x33)) == p.ERR_UNKNOWN_COMMAND


def test_unlock_replies_when_the_door_has_opened(sim: SimBoard, host: Host) -> None:
    start = sim.clock.now_ms()
    reply = pl.decode_unlock_reply(host.unlock(3, 1000).payload)
    assert reply.fired and reply.door_opened
    # The spring pushed the door open at once; the pulse stopped after the debounce.
    assert sim.clock.now_ms() - start <= p.DEBOUNCE_MS + 2
    assert not sim.hal.relay_on(3)
    assert sim.hal.relay_fires(3) == 1


def test_a_stuck_lock_fires_but_the_door_stays_shut(sim: SimBoard, host: Host) -> None:
    sim.hal.set_stuck(3)
    start = sim.clock.now_ms()
    reply = pl.decode_unlock_reply(host.unlock(3, 400).payload)
    assert reply == pl.UnlockReply(3, True, LOCKED_CLOSED)
    assert not reply.door_opened
    assert sim.clock.now_ms() - start == 400
    assert not sim.hal.relay_on(3)


def test_an_open_door_needs_no_pulse(sim: SimBoard, host: Host) -> None:
    host.unlock(2)
    reply = pl.decode_unlock_reply(host.unlock(2).payload)
    assert not reply.fired and reply.door_opened
    assert sim.hal.relay_fires(2) == 1


def test_a_retransmitted_unlock_gets_the_same_reply_and_no_second_pulse(
    sim: SimBoard, host: Host
) -> None:
    first = host.unlock(4)
    sim.hal.close_door(4)
    sim.advance(100)
    again = host.send(p.CMD_UNLOCK, pl.encode_unlock(4, 300), seq=host.seq)
    assert [f for f in again if f.code != p.EVENT] == [first]
    assert sim.hal.relay_fires(4) == 1
    # A new seq is a new unlock.
    host.unlock(4)
    assert sim.hal.relay_fires(4) == 2


def test_a_retransmit_during_the_pulse_waits_for_the_one_reply(sim: SimBoard) -> None:
    sim.hal.spring = False
    host = Host(sim)
    host.identify()
    command = p.encode_frame(1, 7, p.CMD_UNLOCK, pl.encode_unlock(1, 300))
    # Step by hand: the handler would skip to the end of the pulse.
    sim.hal.host_write(command)
    assert sim.step() == b""
    sim.hal.host_write(command)
    assert sim.step() == b""
    sim.hal.host_write(p.encode_frame(1, 8, p.CMD_STATUS))
    assert error_of(host.take(sim.step())[0]) == p.ERR_BUSY
    frames = host.take(sim.advance(300))
    assert [(f.seq, f.code) for f in frames] == [(7, p.RSP_UNLOCK)]
    assert sim.hal.relay_fires(1) == 1


@pytest.mark.parametrize(
    ("seq", "code", "error"),
    [
        (1, p.CMD_HEARTBEAT, p.ERR_SEQ),  # the last seq again, with other content
        (0, p.CMD_STATUS, p.ERR_SEQ),  # older than the last
        (1 + 128, p.CMD_STATUS, p.ERR_SEQ),  # more than half the circle ahead
    ],
)
def test_stale_or_reused_seqs_are_refused(host: Host, seq: int, code: int, error: int) -> None:
    assert host.seq == 1
    (frame,) = host.send(code, seq=seq)
    assert error_of(frame) == error


def test_identify_resynchronises_a_host_that_lost_its_seq(sim: SimBoard, host: Host) -> None:
    host.seq = 200
    assert error_of(host.ask(p.CMD_STATUS)) == p.ERR_SEQ
    host.identify()
    assert host.status().channels == 8


def test_status_reports_latches_doors_and_items(sim: SimBoard, host: Host) -> None:
    sim.hal.put_item(1)
    sim.hal.set_stuck(2)
    host.unlock(3)
    sim.advance(p.DEBOUNCE_MS + 1)
    status = host.status()
    assert status.item_sensors and status.channels == 8
    assert status.door_closed == 0xFF & ~0b100
    assert status.locked == 0xFF
    assert status.item_present == 0b1


def test_heartbeat_counts_and_reports_uptime(sim: SimBoard, host: Host) -> None:
    sim.advance(1234)
    first = host.heartbeat()
    second = host.heartbeat()
    assert first.uptime_ms == 1234 and (first.counter, second.counter) == (1, 2)
    assert first.dropped == 0 and first.pending_events == 0


def test_door_events_carry_the_item_flag_and_stop_once_acked(sim: SimBoard, host: Host) -> None:
    # The door-opened event rides along with the unlock's reply (sent in the same pass).
    frames = host.send(p.CMD_UNLOCK, pl.encode_unlock(5, 300))
    assert [f.code for f in frames] == [p.RSP_UNLOCK, p.EVENT]
    opened = frames[1]
    assert events([opened]) == [pl.Event(5, p.EVENT_DOOR_OPENED, p.STATE_ITEM_SENSOR, 31)]
    sim.hal.put_item(5)
    sim.hal.close_door(5)
    # Not yet acknowledged: the door-closed event waits behind the opened one's retries.
    assert host.take(sim.advance(p.EVENT_RETRY_MS)) == [opened]
    host.ack(opened)
    (closed,) = host.take(sim.advance(p.EVENT_RETRY_MS))
    event = pl.decode_event(closed.payload)
    assert (event.channel, event.kind) == (5, p.EVENT_DOOR_CLOSED)
    assert event.state == LOCKED_CLOSED | p.STATE_ITEM_PRESENT
    host.ack(closed)
    assert host.take(sim.advance(5 * p.EVENT_RETRY_MS)) == []


def test_a_door_switch_that_chatters_sends_no_event(sim: SimBoard, host: Host) -> None:
    for _ in range(20):
        sim.hal.break_door_switch(6, False)
        sim.advance(p.DEBOUNCE_MS - 5)
        sim.hal.break_door_switch(6, None)
        sim.advance(2)
    assert host.take(sim.advance(500)) == []


def test_events_queue_in_order_and_the_oldest_go_when_full(sim: SimBoard, host: Host) -> None:
    for _ in range(board_module.EVENT_QUEUE_MAX):
        sim.hal.break_door_switch(1, False)
        sim.advance(p.DEBOUNCE_MS + 1)
        sim.hal.break_door_switch(1, None)
        sim.advance(p.DEBOUNCE_MS + 1)
    assert sim.board.pending_events == board_module.EVENT_QUEUE_MAX
    assert sim.board.events_dropped == board_module.EVENT_QUEUE_MAX
    seqs = []
    for _ in range(board_module.EVENT_QUEUE_MAX):
        (frame,) = host.take(sim.advance(p.EVENT_RETRY_MS))
        seqs.append(frame.seq)
        host.ack(frame)
    assert seqs == list(range(board_module.EVENT_QUEUE_MAX, 2 * board_module.EVENT_QUEUE_MAX))


def test_on_a_shared_bus_events_ride_behind_a_reply() -> None:
    sim = SimBoard(channels=4, clock=ManualClock(), shared_bus=True)
    host = Host(sim)
    host.identify()
    sim.hal.break_door_switch(2, False)
    assert sim.advance(1000) == b""
    frames = host.send(p.CMD_HEARTBEAT)
    assert [f.code for f in frames] == [p.RSP_HEARTBEAT, p.EVENT]
    assert events(frames)[0].channel == 2


def test_replies_to_other_boards_and_echoes_are_ignored(sim: SimBoard, host: Host) -> None:
    assert sim(p.encode_frame(2, 9, p.CMD_UNLOCK, pl.encode_unlock(1, 300))) == b""
    assert sim(p.encode_frame(1, 9, p.RSP_UNLOCK, pl.encode_unlock_reply(1, True, 1))) == b""
    assert sim.hal.total_fires() == 0


def test_a_frame_cut_short_is_dropped_after_the_line_goes_quiet(sim: SimBoard, host: Host) -> None:
    host.seq = 5
    status = p.encode_frame(1, 5, p.CMD_STATUS)
    assert sim(p.encode_frame(1, 9, p.CMD_STATUS, bytes(32))[:10] + status) == b""
    frames = host.take(sim.advance(p.RX_IDLE_MS + 1))
    assert [(f.seq, f.code) for f in frames] == [(5, p.RSP_STATUS)]
    assert host.heartbeat().dropped == 1


def test_relays_are_off_after_a_reset_and_the_session_must_restart(
    sim: SimBoard, host: Host
) -> None:
    sim.hal.spring = False
    sim.hal.host_write(p.encode_frame(1, 2, p.CMD_UNLOCK, pl.encode_unlock(1, 500)))
    sim.step()
    assert sim.hal.relay_on(1)
    sim.reset()
    assert not sim.hal.relay_on(1)
    assert error_of(host.ask(p.CMD_STATUS)) == p.ERR_NOT_IDENTIFIED


def test_the_watchdog_is_fed_every_healthy_pass(sim: SimBoard) -> None:
    feeds = sim.hal.watchdog_feeds
    sim.advance(100)
    assert sim.hal.watchdog_feeds == feeds + 100
    assert sim.board.fault is None


def test_a_stalled_loop_stops_the_feeding_and_the_watchdog_resets_the_board(
    sim: SimBoard, host: Host
) -> None:
    sim.hal.spring = False
    sim.hal.host_write(p.encode_frame(1, 2, p.CMD_UNLOCK, pl.encode_unlock(1, 100)))
    sim.step()
    sim.clock.advance(100 + board_module.RELAY_GRACE_MS + 1)  # the loop hung past the pulse
    sim.step()
    assert sim.board.fault is not None
    assert not sim.hal.relay_on(1)
    feeds = sim.hal.watchdog_feeds
    sim.advance(1000)
    assert sim.hal.watchdog_feeds == feeds and sim.resets == 0
    sim.advance(1100)
    assert sim.resets == 1 and sim.board.fault is None


def test_board_refuses_a_reserved_address() -> None:
    with pytest.raises(ValueError, match="address"):
        SimBoard(address=0, clock=ManualClock())
