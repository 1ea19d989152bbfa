"""Image fixes that look at part of the frame: a code held far away, a lamp's glare on the screen.

Like the stages in `decode_stages`, each takes a grayscale frame and returns the image to decode
with a map from its points back to the frame's pixels, or None when it does not apply.
"""

from __future__ import annotations

import cv2
import numpy as np

from locker.scanner.point_maps import PointMap, identity, side_by_side

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
# a field of edges, which made zxing-cpp's 1D scan two to four times as long.
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
    return side_by_side(tiles, origins, gap=GAP, scale=ZOOM)


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
    return _evened_image(gray), identity


def _evened_image(gray: np.ndarray) -> np.ndarray:
    clahe = cv2.createCLAHE(clipLimit=EVEN_CLIP, tileGridSize=(EVEN_TILES, EVEN_TILES))
    return clahe.apply(cv2.GaussianBlur(gray, (3, 3), 0))


# A lamp's glare can wipe out one of a code's three finder patterns, and zxing-cpp finds no code
# without all three, however much of the rest survives error correction. `restored` finds the
# two left, works out where the third must be (a square's corner, on the side under the glare),
# paints a finder there and decodes the code's area. The search for finders binarises with a
# window of a twelfth of the frame, and keeps nested dark-light-dark squares.
FINDER_MIN_AREA = 60
# The missing finder lies under the glare: its square is brighter than this on average.
GLARE_LEVEL = 200
FINDER_MARGIN = 6  # modules of the frame kept around the code's corners


def restored(gray: np.ndarray) -> tuple[np.ndarray, PointMap] | None:
    """The code's area with a finder pattern lost under glare painted back, two guesses."""
    height, width = gray.shape
    if min(height, width) < 64:
        return None
    guess = _missing_finder(gray, _finder_patterns(gray))
    if guess is None:
        return None
    centre, theta, module, a, b = guess
    flat = _evened_image(gray)
    corners = np.array([a, b, centre, a + b - centre])
    lo = np.maximum(np.floor(corners.min(0) - FINDER_MARGIN * module), 0).astype(int)
    hi = np.minimum(np.ceil(corners.max(0) + FINDER_MARGIN * module), (width, height)).astype(int)
    if np.any(hi - lo < 8):
        return None
    # Perspective moves the third corner off the square by up to a module or so: the faint
    # remains of the finder under the glare, where there are some, say where it really is.
    matched = _matched(flat, centre, theta, module)
    places = [matched, centre] if np.hypot(*(matched - centre)) > module / 4 else [centre]
    tiles = []
    for at in places:
        tile = flat[lo[1] : hi[1], lo[0] : hi[0]].copy()
        _paint_finder(tile, at - lo, theta, module)
        tiles.append(tile)
    return side_by_side(tiles, [(int(lo[0]), int(lo[1]))] * len(tiles), gap=GAP)


Finder = tuple[np.ndarray, float, float]  # centre (x, y), side in px, angle in degrees


def _finder_patterns(gray: np.ndarray) -> list[Finder]:
    """Dark squares holding a light ring holding a dark square, with a finder's proportions."""
    block = max(3, (min(gray.shape) // 12) | 1)
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    binary = cv2.adaptiveThreshold(
        smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 8
    )
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    links = hierarchy[0]
    found = []
    for index, contour in enumerate(contours):
        hole = links[index][2]
        core = links[hole][2] if hole >= 0 else -1
        if core < 0:
            continue
        outer, inner = cv2.contourArea(contour), cv2.contourArea(contours[core])
        # A finder is 7 modules across around a 3-module core: areas about 49 to 9.
        if outer < FINDER_MIN_AREA or inner <= 0 or not 3.0 < outer / inner < 9.0:
            continue
        (_, _), (rect_w, rect_h), angle = cv2.minAreaRect(contour)
        if min(rect_w, rect_h) <= 0 or max(rect_w, rect_h) / min(rect_w, rect_h) > 1.6:
            continue
        if outer / (rect_w * rect_h) < 0.75:
            continue
        moments = cv2.moments(contours[core])
        centre = np.array([moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]])
        found.append((centre, (rect_w + rect_h) / 2, angle))
    return found


def _missing_finder(
    gray: np.ndarray, finders: list[Finder]
) -> tuple[np.ndarray, float, float, np.ndarray, np.ndarray] | None:
    """Where a third finder would complete a code with two of `finders`, under glare.

    Two finders of a code are either along one side (the third is at a right angle from one of
    them) or across the diagonal (the third is off its middle). Of the places that fit the
    finders' own angle and lie in the frame, the brightest one is taken, if it is under glare.
    """
    height, width = gray.shape
    best: tuple[float, tuple[np.ndarray, float, float, np.ndarray, np.ndarray]] | None = None
    for i, (a, side_a, angle_a) in enumerate(finders):
        for b, side_b, _ in finders[i + 1 :]:
            if max(side_a, side_b) / min(side_a, side_b) > 1.4:
                continue
            module = (side_a + side_b) / 14
            step = b - a
            # Finders of one code are 14 (version 1) to about 56 (a diagonal) modules apart.
            if not 12 <= float(np.hypot(*step)) / module <= 56:
                continue
            normal = np.array([-step[1], step[0]])
            turn = (np.degrees(np.arctan2(step[1], step[0])) - angle_a) % 90
            places = []
            if min(turn, 90 - turn) < 15:
                places = [a + normal, a - normal, b + normal, b - normal]
            elif abs(turn - 45) < 15:
                places = [(a + b + normal) / 2, (a + b - normal) / 2]
            for centre in places:
                half = 3.5 * module
                if not (half <= centre[0] < width - half and half <= centre[1] < height - half):
                    continue
                x0, y0 = int(centre[0] - half), int(centre[1] - half)
                level = float(gray[y0 : y0 + int(7 * module), x0 : x0 + int(7 * module)].mean())
                if level >= GLARE_LEVEL and (best is None or level > best[0]):
                    best = (level, (centre, np.deg2rad(angle_a), module, a, b))
    return None if best is None else best[1]


def _square(centre: np.ndarray, theta: float, half: float) -> np.ndarray:
    along = np.array([np.cos(theta), np.sin(theta)]) * half
    across = np.array([-along[1], along[0]])
    corners = [centre - along - across, centre + along - across, centre + along + across]
    corners.append(centre - along + across)
    return np.round(np.array(corners) * 16).astype(np.int32)  # 4 fractional bits


def _paint_finder(image: np.ndarray, centre: np.ndarray, theta: float, module: float) -> None:
    """A finder pattern and its light separator, `module` px per module, turned by `theta`."""
    for modules, level in ((9, 255), (7, 0), (5, 255), (3, 0)):
        square = _square(centre, theta, modules * module / 2)
        cv2.fillConvexPoly(image, square, level, cv2.LINE_AA, 4)


def _matched(flat: np.ndarray, centre: np.ndarray, theta: float, module: float) -> np.ndarray:
    """`centre` moved, within two modules, to where a finder's template matches best."""
    side = int(np.ceil(9 * module)) | 1
    template = np.full((side, side), 255, np.uint8)
    _paint_finder(template, np.array([side / 2, side / 2]), theta, module)
    reach = int(np.ceil(2 * module))
    x0 = int(np.rint(centre[0])) - side // 2 - reach
    y0 = int(np.rint(centre[1])) - side // 2 - reach
    if x0 < 0 or y0 < 0 or x0 + side + 2 * reach > flat.shape[1]:
        return centre
    if y0 + side + 2 * reach > flat.shape[0]:
        return centre
    window = flat[y0 : y0 + side + 2 * reach, x0 : x0 + side + 2 * reach]
    if window.std() < 1:
        return centre
    scores = cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED)
    _, _, _, (best_x, best_y) = cv2.minMaxLoc(scores)
    return np.array([x0 + best_x + side / 2, y0 + best_y + side / 2])
