"""Maps from a point in a fixed image (flipped, rescaled, cropped, tiled) back to the frame."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Point = tuple[int, int]
PointMap = Callable[[float, float], Point]


def identity(x: float, y: float) -> Point:
    """The image is the frame's own pixels."""
    return (round(x), round(y))


def scaled(factor: float) -> PointMap:
    """The image is the frame resized by `factor`."""

    def back(x: float, y: float) -> Point:
        return (round(x / factor), round(y / factor))

    return back


def side_by_side(
    tiles: list[np.ndarray], origins: list[Point], *, gap: int, scale: float = 1.0
) -> tuple[np.ndarray, PointMap]:
    """Equal-sized tiles in a row on a light gap, so that one engine call tries them all.

    A point in tile i goes back to `origins[i]` (the tile's top left in the frame) plus its
    offset in the tile over `scale` (how much the tile was enlarged).
    """
    height, width = tiles[0].shape
    pitch = width + gap
    image = np.full((height, pitch * len(tiles) - gap), 255, np.uint8)
    for index, tile in enumerate(tiles):
        image[:, index * pitch : index * pitch + width] = tile

    def back(x: float, y: float) -> Point:
        index = min(max(int((x + gap / 2) // pitch), 0), len(tiles) - 1)
        x0, y0 = origins[index]
        return (round(x0 + (x - index * pitch) / scale), round(y0 + y / scale))

    return image, back
