"""The Kerong simulator driven through a real pty with plain pyserial, as the driver will."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from locker.boards import kerong_protocol as kp
from locker.boards.sim import KerongSimulator, SimBench, SimulatorError
from tests.boards.conftest import Host, wait_until

pytestmark = pytest.mark.timeout(30)


def test_a_fresh_board_is_all_locked_and_empty(host: Host):
    reply = host.status(0)
    assert reply == kp.StatusReply(0, 0xFFFF, 0x0000)


def test_unlock_then_status_shows_the_channel_unlocked(bench: SimBench, host: Host):
    host.send(kp.unlock_frame(1, 6))
    assert host.unlocked(1) == {6}
    assert host.unlocked(0) == set()
    channel = bench.state()["boards"][1]["channels"][5]
    assert (channel["locked"], channel["door_closed"], channel["fired"]) == (False, False, 1)


def test_an_unlock_gets_no_reply_by_default(bench: SimBench, host: Host):
    host.send(kp.unlock_frame(0, 1), kp.status_frame(0))
    # Replies keep their order, so a reply to the unlock would have come first.
    assert host.frames(1) == [kp.StatusReply(0, 0xFFFE, 0)]


def test_closing_the_door_relocks(bench: SimBench, host: Host):
    host.send(kp.unlock_frame(0, 3))
    assert host.unlocked(0) == {3}
    assert bench.model.close_door(0, 3) is True
    assert host.unlocked(0) == set()


def test_a_stuck_lock_fires_but_stays_locked(bench: SimBench, host: Host):
    bench.set_fault("stuck_lock", True, 0, 2)
    host.send(kp.unlock_frame(0, 2), kp.unlock_frame(0, 4))
    assert host.unlocked(0) == {4}
    assert bench.state()["boards"][0]["channels"][1]["fired"] == 1
    bench.set_fault("stuck_lock", False, 0, 2)
    host.send(kp.unlock_frame(0, 2))
    assert host.unlocked(0) == {2, 4}


def test_unlock_all_releases_every_channel_but_the_stuck_ones(bench: SimBench, host: Host):
    bench.set_fault("stuck_lock", True, 1, 16)
    host.send(kp.unlock_all_frame(1))
    assert host.unlocked(1) == set(range(1, 16))
    assert host.unlocked(0) == set()


def test_status_all_answers_like_status(host: Host):
    host.send(kp.status_all_frame(1))
    assert host.frames() == [kp.StatusReply(1, 0xFFFF, 0)]


def test_a_door_left_open_does_not_close(bench: SimBench, host: Host):
    bench.set_fault("door_left_open", True, 0, 5)
    host.send(kp.unlock_frame(0, 5))
    assert host.unlocked(0) == {5}
    assert bench.model.close_door(0, 5) is False
    assert host.unlocked(0) == {5}


def test_a_door_opened_by_hand_shows_unlocked_with_no_command(bench: SimBench, host: Host):
    bench.model.open_by_hand(0, 7)
    assert host.unlocked(0) == {7}
    assert bench.state()["boards"][0]["channels"][6]["fired"] == 0


def test_items_show_in_the_item_bits(bench: SimBench, host: Host):
    bench.model.put_item(0, 1)
    bench.model.put_item(0, 9)
    assert host.status(0).item_bits == 0x0101
    bench.model.take_item(0, 1)
    assert host.status(0).item_bits == 0x0100


@pytest.mark.parametrize(
    ("fault", "item", "seen"),
    [("sensor_stuck_on", False, True), ("sensor_stuck_off", True, False)],
)
def test_a_stuck_sensor_ignores_the_item(
    bench: SimBench, host: Host, fault: str, item: bool, seen: bool
):
    if item:
        bench.model.put_item(0, 4)
    bench.set_fault(fault, True, 0, 4)
    assert host.status(0).item_present(4) is seen
    bench.set_fault(fault, False, 0, 4)
    assert host.status(0).item_present(4) is item


def test_a_random_sensor_reads_noise(bench: SimBench, host: Host):
    bench.set_fault("sensor_random", True, 0, 12)
    seen = {host.status(0).item_present(12) for _ in range(40)}
    assert seen == {True, False}
    assert host.status(0).item_bits & ~(1 << 11) == 0


@pytest.mark.parametrize("locked_bit", [1, 0])
def test_a_false_release_spoils_one_status_reply_under_a_matching_checksum(
    make_bench, make_host, locked_bit: int
):
    bench = make_bench(KerongSimulator(locked_bit=locked_bit))
    host = make_host(bench.path)
    bench.set_fault("false_release", True, 0, 3)
    host.send(kp.status_frame(0))
    raw = host.raw(kp.REPLY_LENGTH)
    assert kp.checksum(raw[:-1]) == raw[-1]
    assert host.decoder.feed(raw)[0].locked(3, locked_bit) is False
    assert bench.state()["boards"][0]["channels"][2]["locked"] is True
    assert host.unlocked(0, locked_bit) == set()  # the noise hit one reply only


def test_the_kerong_model_refuses_a_wrong_channel_fault(bench: SimBench):
    with pytest.raises(SimulatorError, match="wrong_channel"):
        bench.set_fault("wrong_channel", True, 0, 1)


def test_a_fault_on_a_whole_board(bench: SimBench, host: Host):
    bench.set_fault("sensor_stuck_on", True, 1)
    assert host.status(1).item_bits == 0xFFFF
    assert host.status(0).item_bits == 0


def test_boards_without_item_sensors_send_zero(make_bench, make_host):
    bench = make_bench(KerongSimulator(item_sensors=False))
    bench.model.put_item(0, 1)
    assert make_host(bench.path).status(0).item_bits == 0


def test_inverted_polarity(make_bench, make_host):
    bench = make_bench(KerongSimulator(locked_bit=0))
    host = make_host(bench.path)
    assert host.status(0).lock_bits == 0x0000
    host.send(kp.unlock_frame(0, 2))
    assert host.status(0).lock_bits == 0x0002
    assert host.unlocked(0, locked_bit=0) == {2}


def test_boards_that_answer_an_unlock_with_their_status(make_bench, make_host):
    bench = make_bench(KerongSimulator(unlock_replies_with_status=True))
    host = make_host(bench.path)
    host.send(kp.unlock_frame(0, 8))
    (reply,) = host.frames()
    assert isinstance(reply, kp.StatusReply) and not reply.locked(8)


def test_eight_boards_of_sixteen_channels_share_one_bus(make_bench, make_host):
    bench = make_bench(KerongSimulator(boards=8))
    host = make_host(bench.path)
    expected: dict[int, set[int]] = {}
    for board in range(8):
        expected[board] = {board + 1, 16 - board}
        host.send(*(kp.unlock_frame(board, c) for c in expected[board]))
    for board in range(8):
        assert host.unlocked(board) == expected[board]
    host.send(kp.unlock_all_frame(7))
    assert host.unlocked(7) == set(range(1, 17))
    assert all(host.unlocked(board) == expected[board] for board in range(7))


def test_a_frame_for_a_missing_board_gets_no_reply(bench: SimBench, host: Host):
    host.send(kp.status_frame(5), kp.unlock_frame(5, 1), kp.status_frame(1))
    # Replies keep their order, so an answer from board 5 would have come first.
    assert host.frames(1) == [kp.StatusReply(1, 0xFFFF, 0)]
    assert bench.model.commands == 1


def test_a_lost_reply_leaves_the_command_done(bench: SimBench, host: Host):
    bench.set_fault("no_reply", True)
    host.send(kp.unlock_frame(0, 1), kp.status_frame(0))
    wait_until(lambda: bench.model.commands == 2)
    bench.set_fault("no_reply", False)
    # Had the first status reply got through, it would come before this one.
    host.send(kp.status_frame(1))
    assert host.frames(1) == [kp.StatusReply(1, 0xFFFF, 0)]
    assert host.unlocked(0) == {1}
    assert bench.state()["link"]["replies_dropped"] == 1


@pytest.mark.parametrize("index", [1, 3, 4, 8])
def test_a_corrupted_byte_fails_the_host_check(bench: SimBench, host: Host, index: int):
    bench.set_fault("corrupt_byte", True, value=index)
    host.send(kp.status_frame(0))
    data = host.raw(kp.REPLY_LENGTH)
    good = kp.encode_status_reply(0, 0xFFFF, 0)
    assert [i for i in range(len(good)) if data[i] != good[i]] == [index]
    assert host.decoder.feed(data) == []
    bench.set_fault("corrupt_byte", False)
    assert host.status(0) == kp.StatusReply(0, 0xFFFF, 0)


def test_a_randomly_corrupted_reply_never_decodes(bench: SimBench, host: Host):
    bench.set_fault("corrupt_byte", True)
    for _ in range(10):
        host.send(kp.status_frame(0))
        assert host.decoder.feed(host.raw(kp.REPLY_LENGTH)) == []


def test_a_delayed_reply_comes_late(bench: SimBench, host: Host):
    bench.set_fault("delay", True, value=150)
    started = time.monotonic()
    host.send(kp.status_frame(0))
    assert host.frames() == [kp.StatusReply(0, 0xFFFF, 0)]
    assert time.monotonic() - started >= 0.15


def test_switching_the_delay_off_releases_a_waiting_reply(bench: SimBench, host: Host):
    bench.set_fault("delay", True, value=60_000)
    host.send(kp.status_frame(0))
    wait_until(lambda: bench.state()["link"]["replies_delayed"] == 1)
    bench.set_fault("delay", False)
    assert host.frames() == [kp.StatusReply(0, 0xFFFF, 0)]


@pytest.mark.parametrize(
    ("name", "board", "channel", "value"),
    [
        ("no_such_fault", None, None, None),
        ("stuck_lock", 2, 1, None),
        ("stuck_lock", 0, 17, None),
        ("stuck_lock", None, 3, None),
        ("stuck_lock", 0, 1, 5),
        ("delay", 0, None, 100),
        ("no_reply", None, None, 1),
    ],
)
def test_impossible_faults_are_refused(
    bench: SimBench, name: str, board: int | None, channel: int | None, value: int | None
):
    with pytest.raises(SimulatorError):
        bench.set_fault(name, True, board, channel, value)


@pytest.mark.parametrize("options", [{"boards": 0}, {"boards": 17}, {"locked_bit": 2}])
def test_impossible_simulators_are_refused(options: dict[str, int]):
    with pytest.raises(SimulatorError):
        KerongSimulator(**options)


def test_the_state_is_plain_json(bench: SimBench):
    import json

    state = json.loads(json.dumps(bench.state()))
    assert state["path"] == bench.path
    assert len(state["boards"]) == 2 and len(state["boards"][0]["channels"]) == 16
    assert state["link"]["unplugged"] is False


def test_bench_actions_are_safe_from_many_threads(bench: SimBench, host: Host):
    import threading

    def churn(channel: int) -> None:
        for _ in range(200):
            bench.model.open_by_hand(0, channel)
            bench.model.close_door(0, channel)

    threads = [threading.Thread(target=churn, args=(c,)) for c in range(1, 9)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        host.status(0)
    for thread in threads:
        thread.join(10)
    assert host.unlocked(0) == set()


def test_faults_live_per_bench(make_bench: Callable[..., SimBench], make_host):
    first, second = make_bench(), make_bench()
    first.set_fault("stuck_lock", True, 0, 1)
    host = make_host(second.path)
    host.send(kp.unlock_frame(0, 1))
    assert host.unlocked(0) == {1}
