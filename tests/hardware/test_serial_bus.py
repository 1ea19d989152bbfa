"""The bus's owner thread survives a bug in a decoder or a caller's accept callback."""

from __future__ import annotations

import threading

import pytest

from locker.boards import kerong_protocol as kp
from locker.boards.bus_drivers import BusConnection
from locker.boards.kerong_driver import KerongDriver
from locker.boards.router import BoardRouter
from locker.boards.serial_bus import BusUnavailableError, SerialBus
from locker.composition.hardware import Hardware
from locker.domain.layout import BusSpec
from locker.health import health_of
from locker.ports import UnlockOutcome

pytestmark = pytest.mark.timeout(30)


def status_of(board):
    return lambda frame: isinstance(frame, kp.StatusReply) and frame.board == board


def decoders_failing_once():
    """A decoder factory whose first feed, on whichever decoder, raises like a bug would."""
    failures = ["decoder bug"]

    class FlakyDecoder(kp.KerongDecoder):
        def feed(self, data):
            if failures:
                raise RuntimeError(failures.pop())
            return super().feed(data)

    return FlakyDecoder


def test_a_decoder_that_raises_fails_the_call_and_the_bus_restarts(kerong_bench, lock_dir):
    bus = SerialBus(kerong_bench.path, decoders_failing_once()).start()
    try:
        assert bus.wait_connected(5)
        with pytest.raises(BusUnavailableError):
            bus.exchange(kp.status_frame(0), status_of(0), 1.0).result(timeout=5)
        assert bus.wait_connected(5)
        reply = bus.exchange(kp.status_frame(0), status_of(0), 1.0).result(timeout=5)
        assert reply == kp.StatusReply(0, 0xFFFF, 0)
        assert KerongDriver(bus).open(0, 1) is UnlockOutcome.CONFIRMED
        assert (bus.restarts, bus.last_error) == (1, "RuntimeError: decoder bug")
    finally:
        bus.stop()


def test_the_health_view_reports_the_restart(kerong_bench, lock_dir):
    bus = SerialBus(kerong_bench.path, decoders_failing_once()).start()
    connection = BusConnection(
        BusSpec("main", "kerong", None, 19200), bus, KerongDriver(bus), False
    )
    hardware = Hardware(BoardRouter({}), connections=[connection])
    try:
        assert bus.wait_connected(5)
        with pytest.raises(BusUnavailableError):
            bus.exchange(kp.status_frame(0), status_of(0), 1.0).result(timeout=5)
        assert bus.wait_connected(5)
        (health,) = health_of(hardware, None).buses
        assert (health.bus, health.connected, health.reconnects) == ("main", True, 0)
        assert (health.restarts, health.last_error) == (1, "RuntimeError: decoder bug")
    finally:
        bus.stop()


def test_an_accept_callback_that_raises_fails_the_queued_calls_too(kerong_bench, lock_dir):
    bus = SerialBus(kerong_bench.path, kp.KerongDecoder).start()
    entered, release = threading.Event(), threading.Event()

    def exploding(frame):
        entered.set()
        release.wait(5)
        raise ValueError("accept bug")

    try:
        assert bus.wait_connected(5)
        in_flight = bus.exchange(kp.status_frame(0), exploding, 1.0)
        assert entered.wait(5)
        queued = bus.exchange(kp.status_frame(1), status_of(1), 1.0)
        release.set()
        for future in (in_flight, queued):
            with pytest.raises(BusUnavailableError):
                future.result(timeout=5)
        assert bus.wait_connected(5)
        assert bus.exchange(kp.status_frame(1), status_of(1), 1.0).result(timeout=5)
        assert (bus.restarts, bus.last_error) == (1, "ValueError: accept bug")
    finally:
        bus.stop()


class QuietLine:
    """A port on a silent line whose read waits for a byte until the port is closed."""

    def __init__(self, url, baudrate, timeout):
        self.written = []
        self.looked = threading.Event()  # the owner thread has looked at the line once
        self.closed = threading.Event()

    @property
    def in_waiting(self):
        self.looked.set()
        return 0

    def read(self, size):
        self.closed.wait()
        return b""

    def write(self, data):
        self.written.append(data)

    def flush(self):
        pass

    def close(self):
        self.closed.set()


def test_a_request_is_not_held_back_by_a_read_waiting_on_a_quiet_line():
    # While idle the owner thread looks for a board's unsolicited frames; with nothing on the
    # line it must not sit in a read, or an unlock queued meanwhile waits for the read to end.
    ports = []

    def open_port(url, **options):
        ports.append(QuietLine(url, **options))
        return ports[-1]

    bus = SerialBus("quiet", kp.KerongDecoder, open_port=open_port, lock_ports=False).start()
    try:
        assert bus.wait_connected(5)
        assert ports[0].looked.wait(5)
        unlock = kp.unlock_frame(0, 1)
        bus.exchange(unlock, None, 0).result(timeout=5)
        assert ports[0].written == [unlock]
    finally:
        bus.stop()
