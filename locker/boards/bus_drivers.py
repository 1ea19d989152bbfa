"""Building a driver for one bus from its settings: the kerong or bridge protocol on a port."""

from __future__ import annotations

from dataclasses import dataclass

from locker.boards.kerong_driver import KerongDriver
from locker.boards.kerong_protocol import KerongDecoder
from locker.boards.router import BusDriver
from locker.boards.serial_bus import SerialBus
from locker.domain.layout import BusSpec


class DriverUnavailableError(Exception):
    """The bus names a driver this build cannot run."""


@dataclass
class BusConnection:
    """A started serial bus and the driver that speaks on it."""

    spec: BusSpec
    bus: SerialBus
    driver: BusDriver
    # True when the boards send door events themselves; otherwise their status is polled.
    pushes_events: bool


def connect_bus(
    spec: BusSpec,
    url: str,
    *,
    reply_timeout_s: float = 0.25,
    retries: int = 2,
) -> BusConnection:
    """Open the bus's port (taking its lock) and put the right driver on it."""
    if spec.driver == "kerong":
        bus = SerialBus(url, KerongDecoder, baudrate=spec.baud)
        driver = KerongDriver(
            bus,
            locked_bit=spec.locked_bit,
            item_sensor_boards=spec.item_sensor_boards,
            reply_timeout_s=reply_timeout_s,
            retries=retries,
        )
        bus.start()
        return BusConnection(spec, bus, driver, pushes_events=False)
    if spec.driver == "bridge":
        from locker.boards.bridge_driver import connect_bridge

        return connect_bridge(spec, url)
    raise DriverUnavailableError(f"bus {spec.name}: no driver called {spec.driver!r}")
