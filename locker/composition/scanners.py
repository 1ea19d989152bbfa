"""Starting the pickup camera and the serial scanner module the settings name.

Both feed one debouncer, so a code that the camera and a scanner module see at once is one
scan, and the debouncer posts each scan to the event dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from locker.config import Settings
from locker.scanner.scan_events import Debouncer, ScanEvent
from locker.scanner.serial_scanner import SerialLineScanner

if TYPE_CHECKING:
    # OpenCV and the decoders are loaded only by a locker that has a camera (about 21 MB).
    from locker.scanner.camera_service import CameraService
    from locker.scanner.demo_camera import DemoCamera


@dataclass
class Scanners:
    """The started camera and scanner module, either of which may be absent."""

    camera: CameraService | None = None
    serial: SerialLineScanner | None = None

    def stop(self) -> None:
        """Stop both."""
        if self.camera is not None:
            self.camera.stop()
        if self.serial is not None:
            self.serial.stop()


def start_scanners(
    settings: Settings, post: Callable[[ScanEvent], None], demo_camera: DemoCamera | None = None
) -> Scanners:
    """The camera (if `camera` is set, else the demo's synthetic one if given) and the scanner
    module (if `scanner_port` is set)."""
    debouncer = Debouncer(post, window_s=settings.scan_debounce_seconds)
    scanners = Scanners()
    if settings.camera:
        from locker.scanner.camera_service import CameraService
        from locker.scanner.decode_spread import SpreadDecoder

        scanners.camera = CameraService(
            settings.camera, SpreadDecoder(), debouncer, fps=settings.camera_fps
        ).start()
    elif demo_camera is not None:
        from locker.scanner.camera_service import CameraService
        from locker.scanner.decode_spread import SpreadDecoder

        scanners.camera = CameraService(
            "demo", SpreadDecoder(), debouncer, source=lambda: demo_camera, name="camera"
        ).start()
    if settings.scanner_port:
        scanners.serial = SerialLineScanner(
            settings.scanner_port, debouncer, baudrate=settings.scanner_baud
        ).start()
    return scanners
