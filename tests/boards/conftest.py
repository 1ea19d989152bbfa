"""A simulated bus on a real pty and a host that reaches it through pyserial, as production does."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import serial

from locker.boards import kerong_protocol as kp
from locker.boards.sim import KerongSimulator, SimBench

BAUD = kp.DEFAULT_BAUD
REPLY_TIMEOUT_S = 2.0


class Host:
    """The host's end of the line: pyserial on the bench's path, decoding like the driver."""

    def __init__(self, path: str, baudrate: int = BAUD) -> None:
        self.path = path
        self.serial = serial.serial_for_url(path, baudrate=baudrate, timeout=0.05)
        self.decoder = kp.KerongDecoder()

    def send(self, *frames: bytes) -> None:
        self.serial.write(b"".join(frames))
        self.serial.flush()

    def frames(self, count: int = 1, timeout: float = REPLY_TIMEOUT_S) -> list[kp.Frame]:
        """Read until `count` frames have come or the deadline passes."""
        deadline = time.monotonic() + timeout
        frames: list[kp.Frame] = []
        while len(frames) < count and time.monotonic() < deadline:
            # One byte with the timeout, then whatever else has come: no waiting for a full read.
            data = self.serial.read(1)
            frames += self.decoder.feed(data + self.serial.read(self.serial.in_waiting))
        return frames

    def raw(self, size: int, timeout: float = REPLY_TIMEOUT_S) -> bytes:
        """Read exactly `size` bytes, or what came before the deadline."""
        deadline = time.monotonic() + timeout
        data = b""
        while len(data) < size and time.monotonic() < deadline:
            data += self.serial.read(size - len(data))
        return data

    def status(self, board: int) -> kp.StatusReply:
        """Ask one board for its status and return the reply."""
        self.send(kp.status_frame(board))
        (reply,) = self.frames()
        assert isinstance(reply, kp.StatusReply) and reply.board == board
        return reply

    def unlocked(self, board: int, locked_bit: int = 1) -> set[int]:
        """The channels of a board whose status says unlocked."""
        reply = self.status(board)
        return {c for c in range(1, 17) if not reply.locked(c, locked_bit)}

    def reopen(self) -> None:
        self.serial.close()
        self.serial = serial.serial_for_url(self.path, baudrate=BAUD, timeout=0.05)
        self.decoder.reset()

    def close(self) -> None:
        self.serial.close()


def wait_until(condition: Callable[[], bool], timeout: float = REPLY_TIMEOUT_S) -> None:
    """Poll a condition with a deadline: for simulator state that has no event to wait on."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.005)


@pytest.fixture
def make_bench() -> Iterator[Callable[..., SimBench]]:
    """Start benches on ptys and stop them after the test."""
    benches: list[SimBench] = []

    def make(simulator: KerongSimulator | None = None, **options: object) -> SimBench:
        bench = SimBench(simulator or KerongSimulator(), baudrate=BAUD, **options)  # type: ignore[arg-type]
        bench.start()
        benches.append(bench)
        return bench

    yield make
    for bench in benches:
        bench.stop()


@pytest.fixture
def bench(make_bench: Callable[..., SimBench]) -> SimBench:
    return make_bench(KerongSimulator(boards=2))


@pytest.fixture
def make_host() -> Iterator[Callable[..., Host]]:
    hosts: list[Host] = []

    def make(path: str, baudrate: int = BAUD) -> Host:
        host = Host(path, baudrate)
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.close()


@pytest.fixture
def host(bench: SimBench, make_host: Callable[..., Host]) -> Host:
    return make_host(bench.path)
