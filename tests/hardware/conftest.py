"""A simulated Kerong bus on a real pty, and our driver on the other end through pyserial."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from locker.boards.kerong_driver import KerongDriver
from locker.boards.kerong_protocol import KerongDecoder
from locker.boards.serial_bus import SerialBus
from locker.boards.sim.bench import SimBench
from locker.boards.sim.kerong_sim import KerongSimulator


@pytest.fixture
def lock_dir(tmp_path, monkeypatch):
    """Port lock files in the test's own folder."""
    monkeypatch.setenv("LOCKER_LOCK_DIR", str(tmp_path))
    return tmp_path


def make_bench(**model_options) -> SimBench:
    return SimBench(KerongSimulator(**model_options))


@pytest.fixture
def kerong_bench() -> Iterator[SimBench]:
    with make_bench(boards=2) as bench:
        yield bench


@pytest.fixture
def kerong_bus(kerong_bench, lock_dir) -> Iterator[SerialBus]:
    bus = SerialBus(kerong_bench.path, KerongDecoder, baudrate=19200).start()
    assert bus.wait_connected(5)
    yield bus
    bus.stop()


@pytest.fixture
def kerong(kerong_bus) -> KerongDriver:
    return KerongDriver(kerong_bus, item_sensor_boards=[0, 1])
