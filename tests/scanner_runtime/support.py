"""Fakes and helpers for the scanner runtime tests: clocks, sources, decoders, QR videos."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import qrcode

WAIT_S = 10.0


def wait_until(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Poll `condition` until it holds; fail the test at the deadline."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(0.005)


class ManualClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class FakeCode:
    """The shape of locker.scanner.decoding.DecodedCode."""

    text: str
    symbology: str
    polygon: tuple[tuple[int, int], ...]


class MarkerDecoder:
    """Reads `text` wherever the frame has a high-contrast patch in the box (a drawn QR)."""

    def __init__(self, text: str, box: tuple[int, int, int, int]) -> None:
        self.text = text
        self.box = box  # x, y, w, h
        self.calls = 0

    def decode(self, frame: np.ndarray) -> list[FakeCode]:
        self.calls += 1
        x, y, w, h = self.box
        if float(frame[y : y + h, x : x + w].std()) < 40:
            return []
        polygon = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
        return [FakeCode(self.text, "QR", polygon)]


class CountingSource:
    """A live camera whose frames carry their number; it can be told to start failing."""

    live = True

    def __init__(self, interval_s: float = 0.001, fail_after: int | None = None) -> None:
        self.interval_s = interval_s
        self.fail_after = fail_after
        self.count = 0
        self.closed = False

    def read(self) -> np.ndarray | None:
        # Stands for the camera's frame interval.
        time.sleep(self.interval_s)
        if self.closed or (self.fail_after is not None and self.count >= self.fail_after):
            return None
        self.count += 1
        return np.full((2, 2), self.count, dtype=np.int64)

    def close(self) -> None:
        self.closed = True


def qr_image(text: str, module_px: int = 6) -> np.ndarray:
    """A black-on-white QR code (with its quiet zone) as a BGR image."""
    code = qrcode.QRCode(border=4)
    code.add_data(text)
    code.make(fit=True)
    modules = np.array(code.get_matrix(), dtype=bool)
    gray = np.where(modules, 0, 255).astype(np.uint8)
    gray = np.kron(gray, np.ones((module_px, module_px), dtype=np.uint8))
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def backdrop(width: int = 640, height: int = 480) -> np.ndarray:
    """A still scene: a wall with some shapes, as a kiosk camera sees the empty lobby."""
    frame = np.full((height, width, 3), 90, dtype=np.uint8)
    cv2.rectangle(frame, (30, 30), (140, 120), (60, 60, 60), -1)
    cv2.circle(frame, (width - 80, height - 80), 40, (130, 130, 130), -1)
    return frame


def write_qr_video(
    path: Path, text: str, *, frames: int = 45, code_from: int = 15, code_to: int = 30
) -> tuple[int, int, int, int]:
    """An MJPG .avi at 15 fps where the code is on screen in [code_from, code_to).

    Returns the code's box (x, y, w, h) in frame pixels.
    """
    still = backdrop()
    code = qr_image(text)
    h, w = code.shape[:2]
    y, x = (still.shape[0] - h) // 2, (still.shape[1] - w) // 2
    shown = still.copy()
    shown[y : y + h, x : x + w] = code
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15.0, (still.shape[1], still.shape[0])
    )
    assert writer.isOpened(), "this OpenCV build cannot write MJPG"
    for index in range(frames):
        writer.write(shown if code_from <= index < code_to else still)
    writer.release()
    return x, y, w, h
