"""Deblurring stages: Wiener deconvolution of the code's region, for defocus and a shaky hand.

A full-frame FFT at 1280x720 costs about 10 ms each way, so each stage first finds the code (the
densest patch of edges in a quarter-size copy), crops it with a margin for the blur, and
deconvolves the crop alone. The kernels' transfer functions are analytic: a Gaussian, or a box
along the motion, whose direction comes from the crop's gradients and whose length (and a finer
direction) from the dip in the autocorrelation of the derivative along it. Several candidate
kernels are laid side by side in one image, so one engine call tries them all; a wrong one only
reads nothing, since a QR code's Reed-Solomon checks reject a misread.
"""

from __future__ import annotations

import cv2
import numpy as np

from locker.scanner.point_maps import PointMap, side_by_side

# Kernel sizes below are for a frame whose short side is this long; they scale with it.
REFERENCE_LINES = 720
# The locator works on a copy whose long side is about this many pixels.
LOCATOR_SIDE = 320
# A crop smaller than this (pixels, short side) holds no code worth deconvolving.
MIN_CROP = 48
# The code's region: where the edge density is at least this share of its peak.
REGION_LEVEL = 0.5
# Cap on a crop's side as a share of the frame's short side, which bounds a stage's cost.
MAX_CROP_SHARE = 0.6
# Gaussian defocus widths tried (sigma, pixels at 720 lines), and the Wiener noise-to-signal
# constant: the frames' noise after blurring is little more than rounding. A Wiener filter
# tolerates a width off by about half a pixel either way, so two widths cover most defocus.
DEFOCUS_SIGMAS = (3.2, 4.4)
DEFOCUS_NSR = 0.001
# Motion: the estimated length and its neighbours (pixels), and the Wiener constant.
MOTION_LENGTH_STEPS = (0.0, -1.5, 1.5)
MOTION_NSR = 0.02
MAX_MOTION_LENGTH = 40
# How far (degrees) the motion's direction is searched around the gradients' estimate.
DIRECTION_SEARCH = 12
# Light gap between candidate tiles, so that no code seems to straddle two of them.
TILE_GAP = 8

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels


def deblur_defocus(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """The code's region deconvolved for the two likeliest defocus widths, side by side."""
    return _defocus(gray, DEFOCUS_SIGMAS)


def deblur_motion(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """The code's region deconvolved for the motion blur estimated from it, at three lengths."""
    region = _region(gray)
    if region is None:
        return None
    crop, box = region
    scale = min(gray.shape) / REFERENCE_LINES
    pad = int(MAX_MOTION_LENGTH * scale) // 2 + 2
    direction = _motion_direction(crop)
    if direction is None:
        return None
    dx, dy = direction
    spectrum, u, v, shape = _spectrum(crop, pad)
    blur = _motion_blur(spectrum, u * dx + v * dy, dx, dy, int(MAX_MOTION_LENGTH * max(scale, 0.5)))
    if blur is None:
        return None
    length, dx, dy = blur
    along = u * dx + v * dy
    tiles = []
    for step in MOTION_LENGTH_STEPS:
        candidate = length + step * max(scale, 0.5)
        if candidate < 2:
            continue
        otf = np.sinc(candidate * along).astype(np.float32)
        tiles.append(_wiener(spectrum, otf, MOTION_NSR, pad, shape))
    return _tiled(tiles, box)


def _defocus(gray: np.ndarray, sigmas: tuple[float, ...]) -> tuple[np.ndarray, PointMap] | None:
    region = _region(gray)
    if region is None:
        return None
    crop, box = region
    scale = min(gray.shape) / REFERENCE_LINES
    pad = int(3 * max(sigmas) * scale) + 2
    spectrum, u, v, shape = _spectrum(crop, pad)
    radius2 = u * u + v * v
    tiles = []
    for sigma in sigmas:
        otf = np.exp(-2 * np.pi**2 * (sigma * scale) ** 2 * radius2).astype(np.float32)
        tiles.append(_wiener(spectrum, otf, DEFOCUS_NSR, pad, shape))
    return _tiled(tiles, box)


def _region(gray: np.ndarray) -> tuple[np.ndarray, Box] | None:
    """The crop around the densest patch of edges (where a code is), with a margin for blur."""
    height, width = gray.shape
    if min(height, width) < MIN_CROP:
        return None
    factor = max(1, round(max(height, width) / LOCATOR_SIDE))
    small = cv2.resize(gray, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    edges = np.abs(cv2.Sobel(small, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(small, cv2.CV_32F, 0, 1))
    window = max(3, (min(small.shape) // 8) | 1)
    density = cv2.blur(edges, (window, window))
    _, peak, _, (px, py) = cv2.minMaxLoc(density)
    if peak <= 1.0:
        return None  # a flat image: nothing to deblur
    mask = (density > REGION_LEVEL * peak).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    x, y, w, h = (int(value) * factor for value in stats[labels[py, px], :4])
    cx, cy = (px + 0.5) * factor, (py + 0.5) * factor
    margin = int(0.15 * max(w, h)) + round(16 * min(height, width) / REFERENCE_LINES)
    limit = int(MAX_CROP_SHARE * min(height, width)) // 2
    x0 = max(0, x - margin, int(cx) - limit)
    y0 = max(0, y - margin, int(cy) - limit)
    x1 = min(width, x + w + margin, int(cx) + limit)
    y1 = min(height, y + h + margin, int(cy) + limit)
    if min(x1 - x0, y1 - y0) < MIN_CROP:
        return None
    return gray[y0:y1, x0:x1], (x0, y0, x1, y1)


def _spectrum(
    crop: np.ndarray, pad: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """The padded crop's DFT, packed (CCS), and each packed slot's frequency, x and y."""
    height, width = crop.shape
    rows = cv2.getOptimalDFTSize(height + 2 * pad)
    cols = cv2.getOptimalDFTSize(width + 2 * pad)
    # Mirrored borders keep the crop's edges from ringing through the deconvolution.
    padded = cv2.copyMakeBorder(
        crop, pad, rows - height - pad, pad, cols - width - pad, cv2.BORDER_REFLECT
    )
    # OpenCV's packed real transform costs about a quarter of its complex one.
    spectrum = cv2.dft(padded.astype(np.float32))
    u, v = _packed_frequencies(rows, cols)
    return spectrum, u, v, (height, width)


def _packed_frequencies(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """The frequency (cycles per pixel) of each slot of OpenCV's packed (CCS) real spectrum.

    Column c holds frequency (c + 1) // 2 across (real and imaginary parts side by side); the
    first column, and the last when `cols` is even, pack rows the same way down, the others hold
    every row. A real gain even in (u, v) multiplies the packed array slot by slot.
    """
    column = np.arange(cols)
    row = np.arange(rows)
    u = np.broadcast_to(((column + 1) // 2 / cols)[None, :], (rows, cols))
    packed_down = (column == 0) | ((column == cols - 1) & (cols % 2 == 0))
    index = np.where(packed_down[None, :], ((row + 1) // 2)[:, None], row[:, None])
    v = np.fft.fftfreq(rows)[index]
    return u.astype(np.float32), v.astype(np.float32)


def _wiener(
    spectrum: np.ndarray, otf: np.ndarray, nsr: float, pad: int, shape: tuple[int, int]
) -> np.ndarray:
    """The crop deconvolved by a real, centred kernel's transfer function `otf` (packed)."""
    gain = otf / (otf * otf + nsr)
    restored = cv2.idft(spectrum * gain, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    height, width = shape
    image: np.ndarray = np.clip(restored[pad : pad + height, pad : pad + width], 0, 255)
    return image.astype(np.uint8)


def _motion_direction(crop: np.ndarray) -> tuple[float, float] | None:
    """The unit vector along which the crop's gradients are weakest: the motion's direction."""
    image = crop.astype(np.float32)
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1)
    xx, xy, yy = float((gx * gx).sum()), float((gx * gy).sum()), float((gy * gy).sum())
    if xx + yy <= 0:
        return None
    # A QR code's edges run both ways alike, so its own structure tensor is nearly isotropic.
    strongest = 0.5 * np.arctan2(2 * xy, xx - yy)
    return float(-np.sin(strongest)), float(np.cos(strongest))


def _motion_blur(
    spectrum: np.ndarray, along: np.ndarray, dx: float, dy: float, longest: int
) -> tuple[float, float, float] | None:
    """The blur's length and direction: where the derivative is most anti-correlated with itself.

    Each edge, smeared over the blur's length, starts and ends with opposite-signed steps of the
    derivative one length apart, so the derivative's autocorrelation dips one length away along
    the motion. It comes from the crop's own spectrum: |F|^2 times the central difference's
    |transfer|^2, sin^2(2 pi f). The dip is looked for within DIRECTION_SEARCH degrees of the
    gradients' estimate, which the phone's own edges can bias by a few degrees.
    """
    power = cv2.mulSpectrums(spectrum, spectrum, 0, conjB=True)
    power *= np.sin(2 * np.pi * along) ** 2
    autocorrelation = cv2.idft(power, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    if autocorrelation[0, 0] <= 0 or longest < 3:
        return None
    rows, cols = autocorrelation.shape
    lags = np.arange(3, longest + 1, dtype=np.float32)[None, :]
    turns = np.deg2rad(np.arange(-DIRECTION_SEARCH, DIRECTION_SEARCH + 1, 1.0, dtype=np.float32))
    angles = (np.arctan2(dy, dx) + turns)[:, None]
    xs = ((lags * np.cos(angles)) % cols).astype(np.float32)
    ys = ((lags * np.sin(angles)) % rows).astype(np.float32)
    values = cv2.remap(autocorrelation, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    turn, lag = np.unravel_index(int(np.argmin(values)), values.shape)
    angle = float(angles[turn, 0])
    return float(lags[0, lag]), float(np.cos(angle)), float(np.sin(angle))


def _tiled(tiles: list[np.ndarray], box: Box) -> tuple[np.ndarray, PointMap] | None:
    """The candidates side by side, each mapped back to the crop's place in the frame."""
    if not tiles:
        return None
    return side_by_side(tiles, [(box[0], box[1])] * len(tiles), gap=TILE_GAP)
