"""What opening a bus gives: the started serial bus and the driver that speaks on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from locker.boards.router import BusDriver
from locker.boards.serial_bus import SerialBus
from locker.domain.layout import BusSpec


@dataclass
class BusConnection:
    """A started serial bus and the driver that speaks on it."""

    spec: BusSpec
    bus: SerialBus
    driver: BusDriver
    # True when the boards send door events themselves; otherwise their status is polled.
    pushes_events: bool


class Connector(Protocol):
    """Opens one transport's bus on a port (taking its lock) and puts its driver on it.

    None for the timing means the transport's own default."""

    def __call__(
        self,
        spec: BusSpec,
        url: str,
        *,
        reply_timeout_s: float | None = None,
        retries: int | None = None,
    ) -> BusConnection: ...
