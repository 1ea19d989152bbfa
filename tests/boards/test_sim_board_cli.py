"""`locker sim-board` as a separate process: the path first, real bytes over it, a clean stop."""

from __future__ import annotations

import json
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
import serial
from click.testing import CliRunner

from locker.boards import kerong_protocol as kp
from locker.cli.sim_board import register, sim_board
from tests.boards.conftest import Host

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0


class SimProcess:
    """A running `sim-board` child and the lines it has printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "locker.cli.sim_board", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def line(self, timeout: float = START_TIMEOUT_S) -> str:
        """The next line of stdout, failing if none comes in time."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout), "sim-board printed nothing in time"
        return self.process.stdout.readline().rstrip("\n")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal the child and return its exit code; kill it if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise
        finally:
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def run_sim() -> Iterator[Callable[..., SimProcess]]:
    started: list[SimProcess] = []

    def run(*args: str) -> SimProcess:
        child = SimProcess(*args)
        started.append(child)
        return child

    yield run
    # SIGTERM, not SIGKILL, so that each child removes its pty link as it would in use.
    for child in started:
        child.stop()


@pytest.mark.slow
def test_it_prints_a_path_first_and_answers_over_it(run_sim):
    child = run_sim("--boards", "2")
    path = child.line()
    assert Path(path).is_symlink()
    host = Host(path)
    try:
        host.send(kp.unlock_frame(1, 3))
        assert host.unlocked(1) == {3}
    finally:
        host.close()
    assert child.stop() == 0
    assert not Path(path).exists()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_it_stops_cleanly_on_a_signal(run_sim, signum: int):
    child = run_sim()
    assert child.line()
    assert child.stop(signum) == 0


@pytest.mark.slow
def test_the_control_port_comes_second_and_works(run_sim):
    child = run_sim("--control", "127.0.0.1:0", "--locked-bit", "0")
    path = child.line()
    kind, address = child.line().split()
    assert kind == "control"
    host_name, port = address.rsplit(":", 1)
    with socket.create_connection((host_name, int(port)), timeout=5) as conn:
        lines = conn.makefile("rw", encoding="utf-8", newline="\n")
        lines.write("open 0 5\nstate\n")
        lines.flush()
        assert lines.readline() == "ok\n"
        state = json.loads(lines.readline())
    assert state["path"] == path and state["locked_bit"] == 0
    host = Host(path)
    try:
        assert host.unlocked(0, locked_bit=0) == {5}
    finally:
        host.close()


@pytest.mark.slow
def test_it_serves_tcp_with_listen(run_sim):
    child = run_sim("--listen", "127.0.0.1:0", "--boards", "3")
    url = child.line()
    assert url.startswith("socket://127.0.0.1:") and not url.endswith(":0")
    deadline = time.monotonic() + 5
    with serial.serial_for_url(url, timeout=0.05) as port:
        port.write(kp.status_frame(2))
        decoder, frames = kp.KerongDecoder(), []
        while not frames and time.monotonic() < deadline:
            frames = decoder.feed(port.read(kp.REPLY_LENGTH))
    assert frames == [kp.StatusReply(2, 0xFFFF, 0)]


@pytest.mark.slow
def test_the_bridge_driver_answers_in_its_own_protocol(run_sim):
    from firmware_bridge.firmware import protocol as p

    child = run_sim("--driver", "bridge", "--boards", "2")
    path = child.line()
    deadline = time.monotonic() + 5
    with serial.serial_for_url(path, baudrate=115200, timeout=0.05) as port:
        port.write(p.encode_frame(2, 1, p.CMD_IDENTIFY))
        decoder, frames = p.Decoder(), []
        while not frames and time.monotonic() < deadline:
            frames = decoder.feed(port.read(1) + port.read(port.in_waiting))
    assert [(f.address, f.code) for f in frames] == [(2, p.RSP_IDENTIFY)]
    assert child.stop() == 0


def test_kerong_options_are_refused_for_the_bridge():
    result = CliRunner().invoke(sim_board, ["--driver", "bridge", "--locked-bit", "0"])
    assert result.exit_code == 2
    assert "are for kerong" in result.output


def test_a_baud_a_pty_cannot_check_is_refused():
    result = CliRunner().invoke(sim_board, ["--baud", "12345"])
    assert result.exit_code == 1
    assert "12345" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--boards", "0"],
        ["--boards", "17"],
        ["--listen", "nowhere"],
        ["--control", ":80"],
        ["--driver", "other"],
    ],
)
def test_bad_options_are_refused(args: list[str]):
    result = CliRunner().invoke(sim_board, args)
    assert result.exit_code == 2


def test_register_adds_the_command_with_help():
    group = click.Group("locker")
    register(group)
    result = CliRunner().invoke(group, ["sim-board", "--help"], prog_name="locker")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: locker sim-board ")
    assert "first line out is the port" in result.output
