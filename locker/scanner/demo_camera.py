"""The demo's camera: an empty lobby, or a phone held up showing the QR the demo page asks for.

It is a live FrameSource like a real camera, so the demo runs the kiosk's real capture, motion
gate, decoder and debouncer on what it renders.
"""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np

from locker.scanner.synthetic import phone_image, place_phone

SIZE = (1280, 720)
FPS = 15.0
SHOW_S = 4.0


def lobby(width: int, height: int) -> np.ndarray:
    """A still lobby: a wall, a floor and a bench."""
    frame = np.full((height, width, 3), (150, 160, 165), np.uint8)
    cv2.rectangle(frame, (0, int(height * 0.72)), (width, height), (95, 100, 105), -1)
    cv2.rectangle(
        frame,
        (int(width * 0.06), int(height * 0.55)),
        (int(width * 0.3), int(height * 0.72)),
        (70, 80, 110),
        -1,
    )
    return frame


class DemoCamera:
    """A 15 fps camera whose scene the demo page controls."""

    live = True

    def __init__(self, size: tuple[int, int] = SIZE, fps: float = FPS, seed: int = 7) -> None:
        self.size = size
        self.interval_s = 1.0 / fps
        self.background = lobby(*size)
        self._rng = np.random.default_rng(seed)
        self._shown: np.ndarray | None = None
        self._until = 0.0
        self._due = time.monotonic()
        self._lock = threading.Lock()

    def show(self, text: str, seconds: float = SHOW_S) -> None:
        """Hold a phone showing `text` as a QR in front of the camera for a while."""
        frame = self.background.copy()
        phone = phone_image(text, self._rng, False)
        place_phone(phone, frame, self._rng, scale=0.75, tilt=0.08, angle=4.0)
        with self._lock:
            self._shown, self._until = frame, time.monotonic() + seconds

    def read(self) -> np.ndarray:
        """The next frame, at the camera's frame rate."""
        self._due = max(self._due + self.interval_s, time.monotonic() - self.interval_s)
        time.sleep(max(0.0, self._due - time.monotonic()))
        with self._lock:
            if self._shown is not None and time.monotonic() < self._until:
                return self._shown
        return self.background

    def close(self) -> None:
        """Nothing to release."""
