"""One registry opens every transport: each connector honours the bus's timing and sensors."""

from __future__ import annotations

import pytest

from locker.boards import bus_drivers
from locker.boards.bus_drivers import DriverUnavailableError, connect_bus
from locker.boards.sim.bench import SimBench
from locker.boards.sim.bridge_sim import BridgeSimulator
from locker.boards.sim.kerong_sim import KerongSimulator
from locker.domain.layout import DRIVERS, BusSpec

pytestmark = pytest.mark.timeout(30)

MODELS = {
    "kerong": (lambda: KerongSimulator(boards=2), 19200),
    "bridge": (lambda: BridgeSimulator(boards=2), 115200),
}


def test_the_registry_drives_every_transport_a_layout_may_name():
    assert set(bus_drivers.CONNECTORS) == set(DRIVERS)


@pytest.mark.parametrize("driver", sorted(MODELS))
def test_a_connector_passes_the_timing_and_the_sensor_boards_on(driver, lock_dir):
    make_model, baud = MODELS[driver]
    with SimBench(make_model(), baudrate=baud) as bench:
        spec = BusSpec("main", driver, bench.path, baud, item_sensor_boards=(1,))
        connection = connect_bus(spec, bench.path, reply_timeout_s=0.12, retries=1)
        try:
            assert connection.spec is spec and connection.bus.wait_connected(5)
            assert (connection.driver.reply_timeout_s, connection.driver.retries) == (0.12, 1)
            assert connection.driver.status(0)[1].item_present is None
            assert connection.driver.status(1)[1].item_present is False
        finally:
            connection.bus.stop()


@pytest.mark.parametrize(
    ("driver", "timeout", "retries"), [("kerong", 0.25, 2), ("bridge", 0.05, 3)]
)
def test_without_settings_each_transport_keeps_its_own_timing(driver, timeout, retries, lock_dir):
    make_model, baud = MODELS[driver]
    with SimBench(make_model(), baudrate=baud) as bench:
        connection = connect_bus(BusSpec("main", driver, bench.path, baud), bench.path)
        try:
            assert (connection.driver.reply_timeout_s, connection.driver.retries) == (
                timeout,
                retries,
            )
        finally:
            connection.bus.stop()


def test_an_unknown_driver_is_refused_before_any_port_is_opened(lock_dir):
    with pytest.raises(DriverUnavailableError, match="modbus"):
        connect_bus(BusSpec("main", "modbus", "/dev/null", 9600), "/dev/null")
    assert list(lock_dir.iterdir()) == []
