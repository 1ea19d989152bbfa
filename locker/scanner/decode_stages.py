"""The image fixes the cascade tries, each a grayscale-to-grayscale transform plus its inverse map.

A stage returns the image to decode and a function that takes a point in that image back to the
frame's pixels, so a code found in a flipped or rescaled copy still gets corners in the frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from locker.scanner.decode_deblur import deblur_defocus, deblur_motion
from locker.scanner.decode_regions import evened, restored, zoomed
from locker.scanner.point_maps import Point, PointMap, identity, scaled

# Cap on the long side of an upscaled image: beyond it an upscale costs more than it buys.
MAX_UPSCALED_SIDE = 2600
# Below this long side a frame is "small": a crop or a far-away code that needs upscaling.
SMALL_SIDE = 1300


@dataclass(frozen=True)
class Stage:
    """One fix: a name for the figures, and the transform."""

    name: str
    apply: Callable[[np.ndarray], tuple[np.ndarray, PointMap] | None]
    # None from `apply` means "does not apply to this frame" (e.g. upscaling a large frame).
    # A fix only a 2D code needs: its image is searched for the 2D formats alone.
    matrix_only: bool = False


def plain(gray: np.ndarray) -> tuple[np.ndarray, PointMap]:
    """The frame as it is."""
    return gray, identity


def inverted(gray: np.ndarray) -> tuple[np.ndarray, PointMap]:
    """Light modules on a dark screen: phones in dark mode."""
    return cv2.bitwise_not(gray), identity


def mirrored(gray: np.ndarray) -> tuple[np.ndarray, PointMap]:
    """Front cameras mirror the picture; a mirrored QR is not a valid QR."""
    width = gray.shape[1]

    def back(x: float, y: float) -> Point:
        return (round(width - 1 - x), round(y))

    return cv2.flip(gray, 1), back


def downscaled(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """Half size: a code too large for the frame, or fine sensor noise, averages out."""
    height, width = gray.shape
    if min(height, width) < 120:
        return None
    half = cv2.resize(gray, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    return half, scaled(width // 2 / width)


def upscaled(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """Larger: a code too small for the frame gets modules wide enough to sample."""
    height, width = gray.shape
    long_side = max(height, width)
    if long_side > SMALL_SIDE:
        return None
    factor = min(3.0, MAX_UPSCALED_SIDE / long_side)
    if factor < 1.4:
        return None
    size = (round(width * factor), round(height * factor))
    return cv2.resize(gray, size, interpolation=cv2.INTER_CUBIC), scaled(factor)


def _clahe(gray: np.ndarray) -> np.ndarray:
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)


def contrast(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """Local contrast (CLAHE): dim lobbies and a lamp reflected on part of the screen."""
    if min(gray.shape) < 16:
        return None
    return _clahe(gray), identity


def threshold(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """Adaptive threshold after a light denoise: noisy low light and washed-out glare."""
    height, width = gray.shape
    if min(height, width) < 16:
        return None
    block = max(3, (min(height, width) // 16) | 1)
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    binary = cv2.adaptiveThreshold(
        smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 5
    )
    return binary, identity


def sharpened(gray: np.ndarray) -> tuple[np.ndarray, PointMap]:
    """Unsharp mask: a poor man's deconvolution for defocus and a shaky hand."""
    sigma = max(1.0, max(gray.shape) / 640)
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 2.5, blurred, -1.5, 0), identity


STAGES = {
    stage.name: stage
    for stage in (
        Stage("plain", plain),
        # Dark mode is a phone's; printed waybills' barcodes are never white on black.
        Stage("inverted", inverted, matrix_only=True),
        Stage("mirrored", mirrored),
        Stage("downscaled", downscaled),
        Stage("upscaled", upscaled),
        Stage("contrast", contrast),
        Stage("threshold", threshold),
        Stage("sharpened", sharpened),
        Stage("deblur_defocus", deblur_defocus),
        Stage("deblur_motion", deblur_motion),
        Stage("zoomed", zoomed),
        Stage("evened", evened),
        Stage("restored", restored, matrix_only=True),  # paints QR finder patterns back
    )
}
