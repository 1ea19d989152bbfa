"""The registry of transports: the layout's driver name leads to the connector that opens it."""

from __future__ import annotations

from collections.abc import Mapping

from locker.boards.bridge_driver import connect_bridge
from locker.boards.bus_connection import BusConnection, Connector
from locker.boards.kerong_driver import connect_kerong
from locker.domain.layout import BusSpec

__all__ = ["CONNECTORS", "BusConnection", "DriverUnavailableError", "connect_bus"]

# Keyed by the names `locker.domain.layout.DRIVERS` accepts (a test keeps the two equal).
CONNECTORS: Mapping[str, Connector] = {"kerong": connect_kerong, "bridge": connect_bridge}


class DriverUnavailableError(Exception):
    """The bus names a driver this build cannot run."""


def connect_bus(
    spec: BusSpec,
    url: str,
    *,
    reply_timeout_s: float | None = None,
    retries: int | None = None,
) -> BusConnection:
    """Open the bus's port (taking its lock) and put the right driver on it; None for the
    timing keeps the transport's own default."""
    try:
        connector = CONNECTORS[spec.driver]
    except KeyError:
        raise DriverUnavailableError(f"bus {spec.name}: no driver called {spec.driver!r}") from None
    return connector(spec, url, reply_timeout_s=reply_timeout_s, retries=retries)
