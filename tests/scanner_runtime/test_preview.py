"""The aiming preview: well-formed MJPEG parts, shrunk, with a box around the code."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from locker.scanner.grabber import LatestFrame
from locker.scanner.preview import BOUNDARY, CONTENT_TYPE, MjpegPreview, until_ended
from tests.scanner_runtime.support import FakeCode, ManualClock

PART = re.compile(
    rb"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: (\d+)\r\n\r\n(.*)\r\n\Z", re.S
)


@dataclass(frozen=True)
class Seen:
    codes: tuple[FakeCode, ...]
    at: float


def jpeg_of(part: bytes) -> np.ndarray:
    match = PART.match(part)
    assert match is not None, part[:80]
    length, body = int(match.group(1)), match.group(2)
    assert len(body) == length
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def green_pixels(image: np.ndarray) -> int:
    b, g, r = cv2.split(image.astype(np.int16))
    return int(np.count_nonzero((g > 150) & (r < 90) & (b < 90)))


def camera_frame() -> np.ndarray:
    return np.full((720, 1280, 3), 80, dtype=np.uint8)


def test_parts_are_well_formed_jpegs_shrunk_to_the_width() -> None:
    assert f"multipart/x-mixed-replace; boundary={BOUNDARY}" == CONTENT_TYPE
    slot = LatestFrame()
    slot.put(camera_frame())
    stream = MjpegPreview(slot, width=320, max_fps=100).stream()
    image = jpeg_of(next(stream))
    assert image.shape == (180, 320, 3)
    assert green_pixels(image) == 0
    stream.close()


def test_a_box_is_drawn_around_a_fresh_detection_only() -> None:
    clock = ManualClock()
    polygon = ((400, 200), (800, 200), (800, 600), (400, 600))
    detection = Seen((FakeCode("X", "QR", polygon),), at=clock())
    slot = LatestFrame()
    preview = MjpegPreview(slot, lambda: detection, width=640, box_ttl_s=1.0, clock=clock)
    slot.put(camera_frame())
    image = jpeg_of(next(preview.stream()))
    assert green_pixels(image) > 500
    # The box sits on the polygon halved, as the frame was: (200, 100) to (400, 300).
    assert green_pixels(image[95:106, 200:400]) > 100
    assert green_pixels(image[120:280, 220:380]) == 0  # the inside is left alone
    clock.advance(1.5)
    assert green_pixels(jpeg_of(next(preview.stream()))) == 0
    # The grabber's frame itself was never drawn on: the decoder reads it.
    assert green_pixels(slot.wait_newer(0, 1).image) == 0


def test_the_stream_is_capped_and_stops_when_the_client_goes_away() -> None:
    slot = LatestFrame()
    slot.put(camera_frame())
    preview = MjpegPreview(slot, width=160, max_fps=20)
    stream = preview.stream()
    started = time.monotonic()
    for n in range(5):
        slot.put(camera_frame() + n)
        jpeg_of(next(stream))
    assert time.monotonic() - started >= 4 / 20 * 0.9
    stream.close()  # what the server does when the client disconnects
    assert preview.sent == 5
    try:
        next(stream)
    except StopIteration:
        pass
    else:
        raise AssertionError("a closed stream went on")


def test_close_ends_a_stream_waiting_for_frames() -> None:
    slot = LatestFrame()
    slot.put(camera_frame())
    preview = MjpegPreview(slot, width=160, max_fps=5)
    stream = preview.stream()
    next(stream)
    preview.close()
    assert list(stream) == []


def test_a_stream_told_to_end_stops_at_its_next_part_and_closes_the_preview() -> None:
    slot = LatestFrame()
    slot.put(camera_frame())
    preview = MjpegPreview(slot, width=160, max_fps=100)
    parts = preview.stream()
    ended = threading.Event()
    stream = until_ended(parts, ended)
    assert next(stream).startswith(b"--frame")
    ended.set()
    assert list(stream) == []
    assert parts.gi_frame is None  # the preview's generator was closed, not left suspended
