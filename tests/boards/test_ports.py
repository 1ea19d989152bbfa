"""The ports under the simulators: a pty behind a stable path, and a TCP stand-in."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from locker.boards import kerong_protocol as kp
from locker.boards.sim import KerongSimulator, PtyPort, SimBench, SocketPort
from tests.boards.conftest import Host, wait_until

pytestmark = pytest.mark.timeout(30)


def test_the_path_is_a_symlink_to_a_pty(bench: SimBench):
    path = Path(bench.path)
    assert path.is_symlink()
    assert os.readlink(path).startswith("/dev/pts/")


def test_bytes_pass_unmangled_both_ways():
    # Every byte value, including ^C, ^S, CR and LF that a cooked tty would eat or turn.
    everything = bytes(range(256))
    with (
        PtyPort(lambda data: data) as port,
        serial.serial_for_url(port.path, baudrate=19200, timeout=2) as host,
    ):
        host.write(everything)
        assert host.read(len(everything)) == everything


def test_unplug_fails_the_host_and_replug_lets_it_reopen_the_same_path(bench: SimBench, host: Host):
    assert host.status(0).board == 0
    bench.set_fault("unplugged", True)
    assert not os.path.lexists(bench.path)
    with pytest.raises(serial.SerialException):
        host.send(kp.status_frame(0))
    with pytest.raises(serial.SerialException):
        host.serial.read(1)
    with pytest.raises(serial.SerialException):
        serial.serial_for_url(bench.path, baudrate=19200, timeout=0.05)
    assert bench.state()["link"]["unplugged"] is True

    bench.set_fault("unplugged", False)
    host.reopen()
    assert host.status(1) == kp.StatusReply(1, 0xFFFF, 0)


def test_the_boards_keep_their_state_across_a_replug(bench: SimBench, host: Host):
    host.send(kp.unlock_frame(0, 9))
    assert host.unlocked(0) == {9}
    bench.port.unplug()
    bench.port.replug()
    host.reopen()
    assert host.unlocked(0) == {9}


def test_unplug_and_replug_twice_are_harmless(bench: SimBench, host: Host):
    bench.port.unplug()
    bench.port.unplug()
    bench.port.replug()
    bench.port.replug()
    host.reopen()
    assert host.status(0).board == 0


def test_a_host_at_the_wrong_baud_gets_no_answer(bench: SimBench, make_host):
    host = make_host(bench.path, baudrate=9600)
    host.send(kp.status_frame(0))
    wait_until(lambda: bench.port.ignored == kp.COMMAND_LENGTH)
    host.serial.baudrate = 19200
    # Replies keep their order, so an answer to the first frame would have come first.
    host.send(kp.status_frame(1))
    assert host.frames(1) == [kp.StatusReply(1, 0xFFFF, 0)]
    assert bench.model.commands == 1


def test_a_failing_handler_is_logged_and_the_port_keeps_serving(caplog):
    calls: list[bytes] = []

    def handler(data: bytes) -> bytes:
        calls.append(data)
        if len(calls) == 1:
            raise RuntimeError("model bug")
        return data

    with (
        PtyPort(handler) as port,
        serial.serial_for_url(port.path, baudrate=19200, timeout=2) as host,
    ):
        host.write(b"a")
        wait_until(lambda: len(calls) == 1)
        host.write(b"b")
        assert host.read(1) == b"b"
    assert "handler failed" in caplog.text


def test_stop_removes_the_path_and_its_directory():
    port = PtyPort(lambda data: b"")
    port.start()
    path = Path(port.path)
    port.stop()
    assert not path.parent.exists()


def test_stop_does_not_wait_for_a_delayed_reply(make_host):
    bench = SimBench(KerongSimulator(), baudrate=19200)
    bench.start()
    bench.set_fault("delay", True, value=60_000)
    host = make_host(bench.path)
    host.send(kp.status_frame(0))
    wait_until(lambda: bench.state()["link"]["replies_delayed"] == 1)
    bench.stop()
    assert not bench.port.plugged


@pytest.fixture
def socket_bench() -> Iterator[SimBench]:
    bench = SimBench(KerongSimulator(boards=2), listen=("127.0.0.1", 0))
    bench.start()
    yield bench
    bench.stop()


def test_the_socket_port_serves_socket_urls(socket_bench: SimBench, make_host):
    assert socket_bench.path.startswith("socket://127.0.0.1:")
    host = make_host(socket_bench.path)
    host.send(kp.unlock_frame(1, 2))
    assert host.unlocked(1) == {2}


def test_a_new_socket_client_replaces_the_old_one(socket_bench: SimBench, make_host):
    first = make_host(socket_bench.path)
    assert first.status(0).board == 0
    second = make_host(socket_bench.path)
    assert second.status(1).board == 1


def test_unplugging_the_socket_port_fails_the_host_until_replugged(
    socket_bench: SimBench, make_host: Callable[..., Host]
):
    host = make_host(socket_bench.path)
    assert host.status(0).board == 0
    socket_bench.set_fault("unplugged", True)
    with pytest.raises(serial.SerialException):
        host.serial.read(1)
    with pytest.raises(serial.SerialException):
        serial.serial_for_url(socket_bench.path, timeout=0.05)
    socket_bench.set_fault("unplugged", False)
    host.reopen()
    assert host.status(1).board == 1


def test_socket_port_with_plain_handler():
    with (
        SocketPort(lambda data: data.upper()) as port,
        serial.serial_for_url(port.path, timeout=2) as host,
    ):
        host.write(b"abc")
        assert host.read(3) == b"ABC"
