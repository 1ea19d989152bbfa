"""The motion gate: when nothing changes in front of the camera, frames are not decoded.

Each frame is shrunk to a small grayscale thumbnail and compared with the thumbnail of the
last frame that was let through. Enough pixels changing by enough grey levels opens the gate;
so does a periodic forced decode, which catches a code held perfectly still in front of a
camera that was already looking at it when the gate closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np

THUMB_WIDTH = 160
# A pixel "changed" when its grey level moved this much: above sensor noise after the blur.
PIXEL_DELTA = 18
# The gate opens when this share of the thumbnail changed: a phone is far larger than this.
CHANGED_SHARE = 0.004
FORCE_EVERY_S = 3.0


class MotionGate:
    """Says whether a frame differs enough from the last decoded one to be worth decoding."""

    def __init__(
        self,
        *,
        thumb_width: int = THUMB_WIDTH,
        pixel_delta: int = PIXEL_DELTA,
        changed_share: float = CHANGED_SHARE,
        force_every_s: float | None = FORCE_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.thumb_width = thumb_width
        self.pixel_delta = pixel_delta
        self.changed_share = changed_share
        self.force_every_s = force_every_s
        self._clock = clock
        self._reference: np.ndarray | None = None
        self._passed_at = 0.0
        self.last_share = 0.0

    def thumbnail(self, frame: np.ndarray) -> np.ndarray:
        """The small blurred grayscale image that frames are compared by."""
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        height, width = gray.shape[:2]
        thumb_height = max(1, round(height * self.thumb_width / width))
        small = cv2.resize(gray, (self.thumb_width, thumb_height), interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (3, 3), 0)

    def should_decode(self, frame: np.ndarray) -> bool:
        """True when the frame is worth decoding; it then becomes the new reference."""
        thumb = self.thumbnail(frame)
        now = self._clock()
        reference = self._reference
        if reference is None or reference.shape != thumb.shape:
            self.last_share = 1.0
        else:
            changed = cv2.absdiff(thumb, reference) > self.pixel_delta
            self.last_share = float(np.count_nonzero(changed)) / changed.size
            forced = self.force_every_s is not None and now - self._passed_at >= self.force_every_s
            if self.last_share < self.changed_share and not forced:
                return False
        self._reference = thumb
        self._passed_at = now
        return True
