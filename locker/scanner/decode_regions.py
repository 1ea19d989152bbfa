"""Image fixes that look at part of the frame: a code held far away, a lamp's glare on the screen.

Like the stages in `decode_stages`, each takes a grayscale frame and returns the image to decode
with a map from its points back to the frame's pixels, or None when it does not apply.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

# The same shapes as decode_stages' (which imports this module, so they are not imported here).
Point = tuple[int, int]
PointMap = Callable[[float, float], Point]

# A code held far away: its modules are 1 to 2 px wide, too few for zxing-cpp to sample, and
# doubling the whole frame is not enough. Its edges are dense, so the densest patches of edges are
# cut out and enlarged, each ZOOM times. CROP_HALF (px) is half the side of a cut-out: about
# twice the side of a code whose modules are 1 to 2 px (44 to 58 px for versions 2 to 5).
CROP_HALF = 64
ZOOM = 5
MAX_CROPS = 2
# Patches go side by side in one image, GAP px apart, so that one zxing-cpp call reads them all.
GAP = 40
# The image returned is never larger than this on its long side.
MAX_MOSAIC_SIDE = MAX_CROPS * (2 * CROP_HALF * ZOOM + GAP) - GAP
# Edge search on the half-size frame: an edge is a Sobel response above EDGE_LEVEL, the density is
# taken over DENSITY_WINDOW px (the side of a far code there), and a patch with fewer than
# MIN_DENSITY (out of 255) of its pixels on an edge holds no code worth enlarging.
EDGE_LEVEL = 40
DENSITY_WINDOW = 24
MIN_DENSITY = 64
MIN_SIDE = 2 * CROP_HALF

# Glare: a lamp reflected on the screen washes out part of the code, leaving its modules a few
# grey levels apart. Contrast-limited equalisation with tiles about the size of a held code
# (a quarter of the frame) stretches those few levels, with a much higher clip than `contrast`.
# A 3x3 blur first keeps the sensor noise it would also stretch from turning a bare wall into
# a field of edges (zxing-cpp's 1D scan then took 25 to 50 ms instead of about 10).
EVEN_CLIP = 16.0
EVEN_TILES = 4


def zoomed(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """The densest patches of edges, each enlarged ZOOM times and sharpened, side by side."""
    height, width = gray.shape
    if min(height, width) < MIN_SIDE:
        return None
    origins: list[tuple[int, int]] = []
    tiles: list[np.ndarray] = []
    for cx, cy in _dense_spots(gray):
        x0, y0 = (
            min(max(0, cx - CROP_HALF), width - 2 * CROP_HALF),
            min(max(0, cy - CROP_HALF), height - 2 * CROP_HALF),
        )
        crop = gray[y0 : y0 + 2 * CROP_HALF, x0 : x0 + 2 * CROP_HALF]
        origins.append((x0, y0))
        tiles.append(_enlarged(crop))
    if not tiles:
        return None
    side = 2 * CROP_HALF * ZOOM
    pitch = side + GAP
    mosaic = np.full((side, pitch * len(tiles) - GAP), 255, np.uint8)
    for index, tile in enumerate(tiles):
        mosaic[:, index * pitch : index * pitch + side] = tile

    def back(x: float, y: float) -> Point:
        index = min(max(int(x // pitch), 0), len(origins) - 1)
        x0, y0 = origins[index]
        return (round(x0 + (x - index * pitch) / ZOOM), round(y0 + y / ZOOM))

    return mosaic, back


def _dense_spots(gray: np.ndarray) -> list[tuple[int, int]]:
    """Centres (frame pixels) of up to MAX_CROPS patches dense in edges, densest first."""
    height, width = gray.shape
    half = cv2.resize(gray, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    gx = cv2.convertScaleAbs(cv2.Sobel(half, cv2.CV_16S, 1, 0))
    gy = cv2.convertScaleAbs(cv2.Sobel(half, cv2.CV_16S, 0, 1))
    magnitude = cv2.addWeighted(gx, 0.5, gy, 0.5, 0)
    _, edges = cv2.threshold(magnitude, EDGE_LEVEL, 255, cv2.THRESH_BINARY)
    density = cv2.boxFilter(edges, cv2.CV_32F, (DENSITY_WINDOW, DENSITY_WINDOW))
    spots = []
    for _ in range(MAX_CROPS):
        _, peak, _, (x, y) = cv2.minMaxLoc(density)
        if peak < MIN_DENSITY:
            break
        spots.append((2 * x, 2 * y))
        # The next patch must be another place, not the same code seen again.
        cv2.rectangle(
            density,
            (x - DENSITY_WINDOW, y - DENSITY_WINDOW),
            (x + DENSITY_WINDOW, y + DENSITY_WINDOW),
            0,
            -1,
        )
    return spots


def _enlarged(crop: np.ndarray) -> np.ndarray:
    """Bicubic enlargement, then an unsharp mask at the new module scale to restore the edges."""
    big = cv2.resize(crop, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC)
    blurred = cv2.GaussianBlur(big, (0, 0), ZOOM / 2)
    return cv2.addWeighted(big, 2.0, blurred, -1.0, 0)


def evened(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """Strong local contrast over code-sized tiles: the part of a code under a lamp's glare."""
    if min(gray.shape) < 4 * EVEN_TILES:
        return None
    clahe = cv2.createCLAHE(clipLimit=EVEN_CLIP, tileGridSize=(EVEN_TILES, EVEN_TILES))
    return clahe.apply(cv2.GaussianBlur(gray, (3, 3), 0)), _identity


def _identity(x: float, y: float) -> Point:
    return (round(x), round(y))
