"""Maps from a point in a fixed image (flipped, rescaled, cropped) back to the frame's pixels."""

from __future__ import annotations

from collections.abc import Callable

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
