"""Seeded camera clips: a phone with a QR code shown to a 15 fps kiosk camera for 2 s.

Where `synthetic` gives still frames, a clip gives what a camera sees over time: the empty
scene, then a hand bringing the phone in from an edge (motion blur along its path, in
proportion to its speed), then the phone held with a small shake. Each kind adds one trouble
on top: `hand_in` nothing more; `focus` a camera hunting for focus (the blur changes from frame
to frame, sharp only now and then); `glare` a lamp's reflection sliding across the screen as the
hand tilts; `far_near` the phone shown small, far from the camera, then brought closer. Every
clip is rebuilt from `(seed, kind, size)` alone and knows the frame at which its code is first
wholly in view.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from locker.scanner.synthetic import (
    FRAME_SIZES,
    OTHER_PAYLOADS,
    motion_kernel,
    phone_code_box,
    phone_image,
    pickup_payload,
    scene_background,
)

CLIP_KINDS = ("hand_in", "focus", "glare", "far_near")
CLIP_FPS = 15
CLIP_FRAMES = 30  # 2 s
# The shutter is open half of each frame interval (1/30 s at 15 fps): a moving phone is smeared
# over half the distance it travels between two frames.
EXPOSURE_SHARE = 0.5
NOISE_SIGMA = 2.5  # fresh sensor noise on every frame, grey levels


@dataclass(frozen=True)
class Pose:
    """Where the phone is: centre (px), height over the frame's height, roll and tilt."""

    cx: float
    cy: float
    scale: float
    angle: float  # degrees
    tilt: float  # signed share by which one edge of the phone looks shorter
    tilt_vertical: bool  # tilted about the vertical axis (else the horizontal one)


@dataclass(frozen=True)
class SyntheticClip:
    """The frames of one clip, the text its code carries, and the frame where it appears."""

    frames: tuple[np.ndarray, ...]  # BGR uint8, one per 1/15 s
    expected: str
    kind: str
    appears_at: int  # first frame showing the whole code (every dark module inside the frame)
    seed: int
    fps: int = CLIP_FPS

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames."""
        return (self.frames[0].shape[1], self.frames[0].shape[0])


def _corners(phone_shape: tuple[int, ...], pose: Pose, height: int) -> np.ndarray:
    """The phone's four corners in the frame (clockwise from its top left)."""
    ph, pw = phone_shape[:2]
    half_h = pose.scale * height / 2
    half_w = half_h * pw / ph
    shrink = pose.tilt
    if pose.tilt_vertical:
        left, right = half_h * (1 - max(shrink, 0)), half_h * (1 + min(shrink, 0))
        corners = [(-half_w, -left), (half_w, -right), (half_w, right), (-half_w, left)]
    else:
        top, bottom = half_w * (1 - max(shrink, 0)), half_w * (1 + min(shrink, 0))
        corners = [(-top, -half_h), (top, -half_h), (bottom, half_h), (-bottom, half_h)]
    theta = np.deg2rad(pose.angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return np.array(corners) @ rot.T + (pose.cx, pose.cy)


def _phone_matrix(phone_shape: tuple[int, ...], pose: Pose, height: int) -> np.ndarray:
    ph, pw = phone_shape[:2]
    src = np.array([(0, 0), (pw, 0), (pw, ph), (0, ph)], dtype=np.float32)
    dst = _corners(phone_shape, pose, height).astype(np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def code_corners(
    box: tuple[int, int, int, int], phone_shape: tuple[int, ...], pose: Pose, height: int
) -> np.ndarray:
    """The corners of the code's dark modules (`box` in the phone image) in the frame, 4 x 2."""
    x0, y0, x1, y1 = box
    square = np.array([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]], dtype=np.float32)
    return cv2.perspectiveTransform(square, _phone_matrix(phone_shape, pose, height))[0]


def _inside(points: np.ndarray, size: tuple[int, int]) -> bool:
    width, height = size
    xs, ys = points[:, 0], points[:, 1]
    return bool(
        (xs >= 0).all() and (xs <= width).all() and (ys >= 0).all() and (ys <= height).all()
    )


def _composite(frame: np.ndarray, phone: np.ndarray, pose: Pose, blur: tuple[float, float]) -> None:
    """Warp the phone into `frame` in place, smeared by `blur` (dx, dy in px) of motion."""
    height, width = frame.shape[:2]
    corners = _corners(phone.shape, pose, height)
    length = int(math.hypot(*blur))
    margin = length // 2 + 2
    x0 = max(0, int(corners[:, 0].min()) - margin)
    y0 = max(0, int(corners[:, 1].min()) - margin)
    x1 = min(width, int(corners[:, 0].max()) + margin + 1)
    y1 = min(height, int(corners[:, 1].max()) + margin + 1)
    if x1 <= x0 or y1 <= y0:
        return  # the phone is wholly outside the frame
    matrix = _phone_matrix(phone.shape, pose, height)
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], dtype=np.float64)
    local = shift @ matrix
    box = (x1 - x0, y1 - y0)
    ph, pw = phone.shape[:2]
    alpha = cv2.warpPerspective(np.ones((ph, pw), np.float32), local, box)
    # Black outside the phone, so the layer is already multiplied by its alpha.
    layer = cv2.warpPerspective(phone.astype(np.float32), local, box)
    if length >= 2:
        kernel = motion_kernel(length | 1, math.degrees(math.atan2(-blur[1], blur[0])))
        alpha = cv2.filter2D(alpha, -1, kernel, borderType=cv2.BORDER_CONSTANT)
        layer = cv2.filter2D(layer, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    region = frame[y0:y1, x0:x1].astype(np.float32)
    region = region * (1 - alpha[..., None]) + layer
    frame[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)


def _add_glare(frame: np.ndarray, cx: float, cy: float, radius: float, peak: float) -> None:
    """A lamp's reflection: a bright Gaussian blob, as the `glare` condition draws it."""
    height, width = frame.shape[:2]
    reach = int(3 * radius)
    x0, x1 = max(0, int(cx) - reach), min(width, int(cx) + reach)
    y0, y1 = max(0, int(cy) - reach), min(height, int(cy) + reach)
    if x1 <= x0 or y1 <= y0:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    blob = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2)) * peak
    region = frame[y0:y1, x0:x1].astype(np.float32) + blob[..., None]
    frame[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)


def _entry_start(rest: Pose, size: tuple[int, int], rng: np.random.Generator) -> Pose:
    """Where the hand starts: the phone just outside one edge, beyond the rest position."""
    width, height = size
    reach = rest.scale * height * 0.75 + 10  # more than half the phone's diagonal
    edge = int(rng.integers(0, 4))
    cx, cy = rest.cx + rng.uniform(-0.2, 0.2) * width, rest.cy + rng.uniform(-0.2, 0.2) * height
    if edge == 0:
        cx = -reach
    elif edge == 1:
        cx = width + reach
    elif edge == 2:
        cy = height + reach  # from below, as a hand mostly comes
    else:
        cy = -reach
    return Pose(
        cx, cy, rest.scale, rest.angle + rng.uniform(-15, 15), rest.tilt, rest.tilt_vertical
    )


def _between(a: Pose, b: Pose, share: float) -> Pose:
    def mix(x: float, y: float) -> float:
        return x + (y - x) * share

    return Pose(
        mix(a.cx, b.cx),
        mix(a.cy, b.cy),
        mix(a.scale, b.scale),
        mix(a.angle, b.angle),
        mix(a.tilt, b.tilt),
        b.tilt_vertical,
    )


def _poses(kind: str, size: tuple[int, int], rng: np.random.Generator) -> list[Pose | None]:
    """The phone's pose in every frame (None: not yet in the frame)."""
    width, height = size
    far = kind == "far_near"
    scale = rng.uniform(0.2, 0.26) * 480 / height if far else rng.uniform(0.55, 0.8)
    rest = Pose(
        width / 2 + rng.uniform(-0.15, 0.15) * width * (0.4 if not far else 1.0),
        height / 2 + rng.uniform(-0.1, 0.1) * height,
        scale,
        rng.uniform(-12, 12),
        rng.uniform(0.0, 0.1) * rng.choice([-1.0, 1.0]),
        bool(rng.random() < 0.5),
    )
    lead = int(rng.integers(2, 7))  # the empty scene before the hand comes in
    entry = int(rng.integers(6, 10))  # 0.4 to 0.6 s from the edge to rest
    start = _entry_start(rest, size, rng)
    poses: list[Pose | None] = [None] * lead
    for step in range(1, entry + 1):
        share = 1 - (1 - step / entry) ** 3  # fast in, slowing down to rest
        poses.append(_between(start, rest, share))
    if far:
        # Held far for a while, then brought to a usual distance over about half a second.
        near = Pose(
            width / 2 + rng.uniform(-0.1, 0.1) * width,
            height / 2 + rng.uniform(-0.1, 0.1) * height,
            rng.uniform(0.45, 0.7),
            rest.angle + rng.uniform(-5, 5),
            rest.tilt,
            rest.tilt_vertical,
        )
        hold = int(rng.integers(5, 12))
        approach = int(rng.integers(6, 10))
        poses += [rest] * hold
        for step in range(1, approach + 1):
            share = 0.5 - 0.5 * math.cos(math.pi * step / approach)
            poses.append(_between(rest, near, share))
    while len(poses) < CLIP_FRAMES:
        poses.append(poses[-1])
    return _shaken(poses[:CLIP_FRAMES], lead + entry, height, rng)


def _shaken(
    poses: list[Pose | None], settled: int, height: int, rng: np.random.Generator
) -> list[Pose | None]:
    """A hand is never still: a small wandering offset and roll once the phone is in."""
    out: list[Pose | None] = []
    dx = dy = droll = 0.0
    for index, pose in enumerate(poses):
        if pose is None:
            out.append(None)
            continue
        amount = 1.0 if index >= settled else 0.3
        # A damped random walk: about 0.5 % of the frame height per frame.
        dx = 0.6 * dx + rng.normal(0, 0.005 * height) * amount
        dy = 0.6 * dy + rng.normal(0, 0.005 * height) * amount
        droll = 0.6 * droll + rng.normal(0, 0.4) * amount
        out.append(
            Pose(
                pose.cx + dx,
                pose.cy + dy,
                pose.scale,
                pose.angle + droll,
                pose.tilt,
                pose.tilt_vertical,
            )
        )
    return out


def _defocus_track(kind: str, size_factor: float, rng: np.random.Generator) -> list[float]:
    """The camera's blur (Gaussian sigma, px) in every frame."""
    if kind != "focus":
        return [0.0] * CLIP_FRAMES
    # The lens hunts back and forth through focus: sharp only as it passes, now and then.
    amplitude = rng.uniform(3.0, 4.5)
    sweeps_per_s = rng.uniform(1.0, 2.0)  # through focus every 0.5 to 1 s
    phase = rng.uniform(0, math.pi)
    floor = rng.uniform(0.3, 0.8)
    return [
        size_factor
        * max(
            0.0,
            floor
            + amplitude * abs(math.sin(math.pi * sweeps_per_s * i / CLIP_FPS + phase))
            + rng.uniform(-0.3, 0.3),
        )
        for i in range(CLIP_FRAMES)
    ]


def make_clip(seed: int, kind: str, size: tuple[int, int]) -> SyntheticClip:
    """Build one clip of `size` (width, height) of `kind`, from `seed` alone."""
    if kind not in CLIP_KINDS:
        raise ValueError(f"unknown clip kind {kind!r}")
    rng = np.random.default_rng([seed, 1000 + CLIP_KINDS.index(kind), *size])
    if rng.random() < 0.6:
        text = pickup_payload(rng)
    else:
        text = OTHER_PAYLOADS[int(rng.integers(0, len(OTHER_PAYLOADS)))]
    width, height = size
    size_factor = height / 480
    phone = phone_image(text, rng, dark_mode=False)
    box = phone_code_box(text)
    scene = scene_background(width, height, rng)
    poses = _poses(kind, size, rng)
    defocus = _defocus_track(kind, size_factor, rng)
    glare_path = None
    if kind == "glare":
        # The reflection slides over the screen as the hand tilts: across the code once, at a
        # random moment, taking 1 to 2 s to cross the phone's width.
        radius = height * rng.uniform(0.12, 0.2)
        peak = rng.uniform(230, 320)
        heading = rng.uniform(0, 2 * math.pi)
        crossing_s = rng.uniform(1.0, 2.0)
        over_code_at = rng.uniform(0.3, 1.7)
        glare_path = (radius, peak, heading, crossing_s, over_code_at)
    cv2.setRNGSeed(int(rng.integers(0, 2**31)))
    frames = []
    appears_at = None
    previous: Pose | None = None
    for index, pose in enumerate(poses):
        frame = scene.copy()
        if pose is not None:
            moved = (
                (0.0, 0.0) if previous is None else (pose.cx - previous.cx, pose.cy - previous.cy)
            )
            blur = (moved[0] * EXPOSURE_SHARE, moved[1] * EXPOSURE_SHARE)
            _composite(frame, phone, pose, blur)
            code = code_corners(box, phone.shape, pose, height)
            if appears_at is None and _inside(code, size):
                appears_at = index
            if glare_path is not None:
                radius, peak, heading, crossing_s, over_code_at = glare_path
                phone_w = pose.scale * height * phone.shape[1] / phone.shape[0]
                travel = (index / CLIP_FPS - over_code_at) * phone_w / crossing_s
                centre = code.mean(axis=0)
                _add_glare(
                    frame,
                    centre[0] + travel * math.cos(heading),
                    centre[1] + travel * math.sin(heading),
                    radius,
                    peak,
                )
        previous = pose
        if defocus[index] > 0.3:
            frame = cv2.GaussianBlur(frame, (0, 0), defocus[index])
        noise = np.empty(frame.shape, np.int16)
        cv2.randn(noise, 0, NOISE_SIGMA)  # seeded below; numpy's normals cost 10 times more
        frame = cv2.add(frame, noise, dtype=cv2.CV_8U)  # saturating
        frames.append(frame)
    if appears_at is None:  # the far phone's code may be clipped until it comes nearer
        appears_at = len(frames)
    return SyntheticClip(tuple(frames), text, kind, appears_at, seed)


def clip_set(
    per_kind: int = 6,
    *,
    seed: int = 0,
    sizes: tuple[tuple[int, int], ...] = FRAME_SIZES,
    kinds: tuple[str, ...] = CLIP_KINDS,
) -> Iterator[SyntheticClip]:
    """`per_kind` clips per kind and frame size, built one at a time (each holds 30 frames)."""
    for size in sizes:
        for kind in kinds:
            for index in range(per_kind):
                yield make_clip(seed * 100_003 + index, kind, size)
