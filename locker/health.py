"""What the admin dashboard says about the hardware: the buses and the camera."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from locker.composition.hardware import Hardware
    from locker.scanner.camera_service import CameraService


@dataclass(frozen=True)
class BusHealth:
    """One serial bus: its port, whether it is open, how often it came back after a lost port,
    and how often its owner thread restarted after a fault, with the last fault."""

    bus: str
    url: str
    connected: bool
    reconnects: int
    restarts: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class HardwareHealth:
    """A snapshot of every bus and the camera (None when there is none)."""

    buses: list[BusHealth] = field(default_factory=list)
    camera: Any = None

    @property
    def buses_up(self) -> bool:
        """Every bus open: the locker can reach its doors."""
        return all(b.connected for b in self.buses)

    @property
    def ok(self) -> bool:
        """Every bus open, and the camera (if any) delivering frames."""
        camera_ok = self.camera is None or self.camera.state.value in ("ok", "starting")
        return camera_ok and self.buses_up


def health_of(hardware: Hardware | None, camera: CameraService | None) -> HardwareHealth:
    """Read the buses' and the camera's state now."""
    buses = [
        BusHealth(
            c.spec.name,
            c.bus.url,
            c.bus.connected,
            c.bus.reconnects,
            c.bus.restarts,
            c.bus.last_error,
        )
        for c in (hardware.connections if hardware else [])
    ]
    return HardwareHealth(buses, camera.grabber.health() if camera else None)
