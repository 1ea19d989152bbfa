"""The aiming preview: an MJPEG body of the newest frames, with a box around each code.

`MjpegPreview(...).stream()` is a generator of `multipart/x-mixed-replace` parts, for the web
layer to return with `CONTENT_TYPE` (it is mounted at `/camera.mjpg`). Frames are shrunk to
`width`, sent at most `max_fps` times a second, and carry the polygons of the most recent
decode while it is fresh. Closing the generator (the server does so when the client goes
away) ends it at once; `close()` ends every stream, e.g. at shutdown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import cv2
import numpy as np

BOUNDARY = "frame"
CONTENT_TYPE = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
BOX_COLOUR = (0, 220, 0)  # BGR green
BOX_THICKNESS = 3
# Without a new frame (camera lost, or a still file), the last one is sent again this often,
# so the server notices a client that went away and the page keeps showing something.
RESEND_AFTER_S = 1.0


class _Code(Protocol):
    @property
    def polygon(self) -> tuple[tuple[int, int], ...]: ...


class _Detection(Protocol):
    @property
    def codes(self) -> Sequence[_Code]: ...
    @property
    def at(self) -> float: ...


class _Frame(Protocol):
    @property
    def image(self) -> np.ndarray: ...
    @property
    def seq(self) -> int: ...


class _FrameSlot(Protocol):
    def wait_newer(self, after_seq: int, timeout_s: float) -> _Frame | None: ...


def mjpeg_part(jpeg: bytes) -> bytes:
    """One multipart part around a JPEG."""
    head = (
        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
    ).encode("ascii")
    return head + jpeg + b"\r\n"


def draw_boxes(image: np.ndarray, codes: Sequence[_Code], scale: float) -> None:
    """Outline each code's polygon (frame pixels, scaled by `scale`) on `image` in place."""
    for code in codes:
        if len(code.polygon) < 2:
            continue
        points = np.array([[round(x * scale), round(y * scale)] for x, y in code.polygon])
        cv2.polylines(image, [points.astype(np.int32)], True, BOX_COLOUR, BOX_THICKNESS)


def until_ended(parts: Iterator[bytes], ended: threading.Event) -> Iterator[bytes]:
    """`parts` until `ended` is set, then closes them.

    It is checked as each part comes, which a stream sends at least every RESEND_AFTER_S.
    """
    try:
        for part in parts:
            if ended.is_set():
                return
            yield part
    finally:
        close = getattr(parts, "close", None)
        if close is not None:
            close()


class MjpegPreview:
    """One preview client's stream; make one per request."""

    def __init__(
        self,
        frames: _FrameSlot,
        detection: Callable[[], _Detection | None] = lambda: None,
        *,
        width: int = 640,
        max_fps: float = 10.0,
        jpeg_quality: int = 70,
        box_ttl_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.frames = frames
        self.detection = detection
        self.width = width
        self.interval_s = 1.0 / max_fps
        self.jpeg_quality = jpeg_quality
        self.box_ttl_s = box_ttl_s
        self._clock = clock
        self._stop = threading.Event()
        self.sent = 0

    def close(self) -> None:
        """End the stream at its next wait."""
        self._stop.set()

    def render(self, image: np.ndarray) -> bytes:
        """The JPEG of one frame: shrunk to `width`, with fresh detection boxes drawn."""
        height, width = image.shape[:2]
        scale = min(1.0, self.width / width)
        if scale < 1.0:
            size = (round(width * scale), round(height * scale))
            shown = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        else:
            shown = image.copy()  # never draw on the grabber's frame: the decoder reads it
        if shown.ndim == 2:
            shown = cv2.cvtColor(shown, cv2.COLOR_GRAY2BGR)
        detection = self.detection()
        if detection is not None and self._clock() - detection.at <= self.box_ttl_s:
            draw_boxes(shown, detection.codes, scale)
        ok, jpeg = cv2.imencode(".jpg", shown, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:
            raise ValueError("JPEG encoding failed")
        return jpeg.tobytes()

    def stream(self) -> Iterator[bytes]:
        """Multipart parts, newest frame each, at most `max_fps` a second, until closed."""
        seq = 0
        last_part: bytes | None = None
        while not self._stop.is_set():
            frame = self.frames.wait_newer(seq, RESEND_AFTER_S)
            if frame is not None:
                seq = frame.seq
                last_part = mjpeg_part(self.render(frame.image))
            if last_part is None:
                # The slot may be closed (camera stopped) and return at once: do not spin.
                self._stop.wait(self.interval_s)
                continue
            sent_at = self._clock()
            self.sent += 1
            # GeneratorExit is raised here when the client goes away; nothing to clean up.
            yield last_part
            if self._stop.wait(max(0.0, sent_at + self.interval_s - self._clock())):
                return
