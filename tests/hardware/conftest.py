"""A simulated Kerong bus on a real pty, and our driver on the other end through pyserial."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from locker.boards.kerong_driver import KerongDriver
from locker.boards.kerong_protocol import KerongDecoder
from locker.boards.serial_bus import SerialBus
from locker.boards.sim.bench import SimBench
from locker.boards.sim.kerong_sim import KerongSimulator
from locker.composition.hardware import start_hardware
from locker.event_dispatch import EventDispatcher
from locker.services.context import LockerContext
from locker.services.scan_tickets import ScanTickets
from locker.store import SqliteStore


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


@contextmanager
def running_locker(
    ctx, db_path, clock, *, on_notice=None, on_scan=None, tickets=None, channels=None
):
    """The test locker's layout on simulated boards (as `locker run --demo` starts them), with
    a dispatcher on its own connection; yields (simulator bench, dispatcher, notices).

    The dispatcher's scan tickets (`dispatcher.tickets`, on `clock` unless given) are the ones
    to hand to `create_app(tickets=...)`; its messages go to `channels` (default: none)."""
    notices: list = []
    holder: dict = {}
    dispatcher = EventDispatcher(
        lambda: LockerContext(
            SqliteStore(db_path), holder["hw"].board, clock, ctx.rules, channels=channels or {}
        ),
        on_notice=on_notice or notices.append,
        **({"on_scan": on_scan} if on_scan else {}),
        reminder_after=timedelta(seconds=60),
        alert_after=timedelta(minutes=5),
        tickets=tickets if tickets is not None else ScanTickets(clock),
    )
    hardware = start_hardware(
        ctx.store.buses(),
        ctx.store.compartments(),
        dispatcher.post,
        demo=True,
        poll_interval_s=0.05,
    )
    holder["hw"] = hardware
    dispatcher.start()
    ctx.board = hardware.board
    try:
        # As `locker run` does: a door asked of a bus that has not opened its port yet gets no
        # answer, and a loaded machine can take a while to open a pty.
        for connection in hardware.connections:
            assert connection.bus.wait_connected(5), f"{connection.bus.url} did not open"
        yield hardware.simulators["main"], dispatcher, notices
    finally:
        dispatcher.stop()
        hardware.stop()
