"""A seeded generator of kiosk camera frames: a phone screen showing a QR code, held up to a camera.

Every sample is rebuilt from its seed alone, so the benchmark and the tests see the same pixels on
every machine. The conditions are the ways real pickups go wrong at a kiosk: a tilted or rotated
phone, a shaky hand, a camera out of focus, a ceiling lamp reflected in the screen, a dim lobby,
dark mode, a front camera that mirrors, a phone held too far or too close, a heavily compressed
camera stream.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_M

# One name per condition; "clean" is the control. The benchmark prints one row per name.
CONDITIONS = (
    "clean",
    "tilt",
    "rotation",
    "defocus",
    "motion_blur",
    "glare",
    "low_light",
    "dark_mode",
    "jpeg",
    "mirrored",
    "far",
    "near",
)

# The kiosk cameras we ship: a 640x480 USB module and a 1280x720 one.
FRAME_SIZES = ((640, 480), (1280, 720))

# Arbitrary payloads besides pickup codes: a URL, Unicode text, and a long string that needs a
# higher QR version (finer modules, so harder to read).
OTHER_PAYLOADS = (
    "https://locker.example/p/7Q2K9",
    "取件码 4417 请在48小时内取件",
    "Grüße aus dem Paketautomaten – Fach B12",
    "PL1:SH-PD-042:9F3C:1:ZyXwVuTsRqPoNm|courier=DHL|note=fragile, keep upright",
)


@dataclass(frozen=True)
class SyntheticSample:
    """One camera frame with the text its code carries and the condition that made it hard."""

    image: np.ndarray  # BGR uint8, height x width x 3
    expected: str
    condition: str
    seed: int

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frame."""
        return (self.image.shape[1], self.image.shape[0])


def pickup_payload(rng: np.random.Generator) -> str:
    """A pickup QR in our format, e.g. PL1:SH-PD-001:1A2B:0:AbCdEfGhIjKlMn."""
    letters = string.ascii_letters
    token = "".join(letters[i] for i in rng.integers(0, len(letters), 14))
    shelf, check, flag = (
        int(rng.integers(1, 1000)),
        int(rng.integers(0, 0x10000)),
        int(rng.integers(0, 2)),
    )
    return f"PL1:SH-PD-{shelf:03d}:{check:04X}:{flag}:{token}"


def qr_modules(text: str) -> np.ndarray:
    """The QR symbol of `text` as a boolean module matrix (True = dark), quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def render_qr(text: str, module_px: int, *, inverted: bool = False) -> np.ndarray:
    """A crisp grayscale QR image, `module_px` pixels per module."""
    modules = qr_modules(text)
    dark = np.kron(modules, np.ones((module_px, module_px), dtype=bool))
    if inverted:
        dark = ~dark
    return np.where(dark, 0, 255).astype(np.uint8)


# Pixels per QR module on the phone image, before it is warped into a frame.
PHONE_MODULE_PX = 8


def _phone_layout(side: int) -> tuple[int, int, int, int, int]:
    """(screen width, screen height, QR top, QR left, bezel) for a QR `side` pixels wide."""
    screen_w = int(side * 1.25)
    screen_h = int(side * 2.0)
    return screen_w, screen_h, int(screen_h * 0.28), (screen_w - side) // 2, int(side * 0.08)


def phone_code_box(text: str) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the code's dark modules in `phone_image(text, ...)`, quiet zone out."""
    modules = qr_modules(text)
    side = modules.shape[0] * PHONE_MODULE_PX
    _, _, top, left, bezel = _phone_layout(side)
    quiet = 4 * PHONE_MODULE_PX
    x0, y0 = bezel + left + quiet, bezel + top + quiet
    return x0, y0, x0 + side - 2 * quiet, y0 + side - 2 * quiet


def phone_image(text: str, rng: np.random.Generator, dark_mode: bool) -> np.ndarray:
    """A phone seen face-on: dark body, screen with a status bar, the QR, and a caption bar."""
    qr = render_qr(text, PHONE_MODULE_PX, inverted=dark_mode)
    side = qr.shape[0]
    screen_w, screen_h, top, left, bezel = _phone_layout(side)
    screen_bg = 20 if dark_mode else 245
    screen = np.full((screen_h, screen_w), screen_bg, np.uint8)
    screen[top : top + side, left : left + side] = qr
    ui = 90 if dark_mode else 170
    # Status bar and a couple of text lines: real screens are not a lone code on white.
    cv2.rectangle(screen, (0, 0), (screen_w, int(screen_h * 0.05)), ui, -1)
    for row in range(3):
        y = int(screen_h * (0.1 + 0.05 * row))
        width = int(screen_w * rng.uniform(0.4, 0.85))
        cv2.rectangle(screen, (left, y), (left + width, y + 10), ui, -1)
    cv2.rectangle(screen, (left, top + side + 30), (left + side, top + side + 80), ui, -1)
    body = np.full((screen_h + 2 * bezel, screen_w + 2 * bezel), 25, np.uint8)
    body[bezel : bezel + screen_h, bezel : bezel + screen_w] = screen
    return cv2.cvtColor(body, cv2.COLOR_GRAY2BGR)


def _background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A cluttered, unevenly lit background: a gradient plus a few boxes and mild sensor noise."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(70, 170)
    gradient = base + rng.uniform(-40, 40) * xs / width + rng.uniform(-40, 40) * ys / height
    frame = np.repeat(gradient[..., None], 3, axis=2) * rng.uniform(0.85, 1.15, 3)
    for _ in range(int(rng.integers(3, 8))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(40, width // 3)), y0 + int(rng.integers(40, height // 3))
        cv2.rectangle(frame, (x0, y0), (x1, y1), rng.uniform(30, 220, 3).tolist(), -1)
    frame += rng.normal(0, 3, frame.shape)
    return np.clip(frame, 0, 255).astype(np.uint8)


def place_phone(
    phone: np.ndarray,
    frame: np.ndarray,
    rng: np.random.Generator,
    *,
    scale: float,
    tilt: float,
    angle: float,
) -> None:
    """Warp the phone into `frame` in place: scale is the phone height over the frame height."""
    height, width = frame.shape[:2]
    ph, pw = phone.shape[:2]
    target_h = scale * height
    target_w = target_h * pw / ph
    cx = width / 2 + rng.uniform(-0.15, 0.15) * max(0.0, width - target_w)
    cy = height / 2 + rng.uniform(-0.15, 0.15) * max(0.0, height - target_h)
    # Perspective: one edge of the phone is farther from the camera, so it looks shorter.
    shrink = tilt * rng.choice([-1.0, 1.0])
    half_w, half_h = target_w / 2, target_h / 2
    if rng.random() < 0.5:  # tilt about the vertical axis
        left, right = half_h * (1 - max(shrink, 0)), half_h * (1 + min(shrink, 0))
        corners = [(-half_w, -left), (half_w, -right), (half_w, right), (-half_w, left)]
    else:  # tilt about the horizontal axis
        top, bottom = half_w * (1 - max(shrink, 0)), half_w * (1 + min(shrink, 0))
        corners = [(-top, -half_h), (top, -half_h), (bottom, half_h), (-bottom, half_h)]
    theta = np.deg2rad(angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    dst = np.array(corners) @ rot.T + (cx, cy)
    src = np.array([(0, 0), (pw, 0), (pw, ph), (0, ph)], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (width, height))
    warped = cv2.warpPerspective(phone, matrix, (width, height), flags=cv2.INTER_AREA)
    frame[mask > 127] = warped[mask > 127]


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    return kernel / kernel.sum()


def scene_background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """The kiosk frames' cluttered, unevenly lit background (for the clips)."""
    return _background(width, height, rng)


def motion_kernel(length: int, angle: float) -> np.ndarray:
    """A normalised line kernel `length` pixels long at `angle` degrees (for the clips)."""
    return _motion_kernel(length, angle)


def _degrade(frame: np.ndarray, condition: str, rng: np.random.Generator) -> np.ndarray:
    """Apply the camera-side part of a condition to a rendered frame."""
    size_factor = frame.shape[0] / 480
    if condition == "defocus":
        sigma = rng.uniform(1.8, 3.0) * size_factor
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    elif condition == "motion_blur":
        length = int(rng.uniform(5, 11) * size_factor) | 1
        frame = cv2.filter2D(frame, -1, _motion_kernel(length, rng.uniform(0, 180)))
    elif condition == "glare":
        height, width = frame.shape[:2]
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        cx, cy = width * rng.uniform(0.35, 0.65), height * rng.uniform(0.3, 0.7)
        radius = height * rng.uniform(0.15, 0.25)
        blob = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2)) * rng.uniform(230, 320)
        frame = np.clip(frame.astype(np.float32) + blob[..., None], 0, 255).astype(np.uint8)
    elif condition == "low_light":
        dim = frame.astype(np.float32) * rng.uniform(0.05, 0.1)
        dim += rng.normal(0, rng.uniform(3.0, 6.0), frame.shape)
        frame = np.clip(dim, 0, 255).astype(np.uint8)
    elif condition == "jpeg":
        quality = int(rng.integers(4, 9))
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        frame = cv2.imdecode(data, cv2.IMREAD_COLOR)
    elif condition == "mirrored":
        frame = cv2.flip(frame, 1)
    return frame


def make_sample(seed: int, condition: str, size: tuple[int, int]) -> SyntheticSample:
    """Build one frame of `size` (width, height) under `condition`, from `seed` alone."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}")
    rng = np.random.default_rng([seed, CONDITIONS.index(condition), *size])
    if rng.random() < 0.6:
        text = pickup_payload(rng)
    else:
        text = OTHER_PAYLOADS[int(rng.integers(0, len(OTHER_PAYLOADS)))]
    width, height = size
    phone = phone_image(text, rng, dark_mode=condition == "dark_mode")
    frame = _background(width, height, rng)
    scale = rng.uniform(0.55, 0.8)
    tilt = rng.uniform(0.0, 0.1)
    angle = rng.uniform(-12, 12)
    if condition == "tilt":
        tilt = rng.uniform(0.3, 0.45)
    elif condition == "rotation":
        angle = rng.uniform(0, 360)
    elif condition == "far":
        scale = rng.uniform(0.2, 0.26) * 480 / height
    elif condition == "near":
        scale = rng.uniform(1.5, 1.9)  # the code nearly fills the frame
    place_phone(phone, frame, rng, scale=scale, tilt=tilt, angle=angle)
    frame = _degrade(frame, condition, rng)
    return SyntheticSample(image=frame, expected=text, condition=condition, seed=seed)


def kiosk_set(
    per_condition: int = 6,
    *,
    seed: int = 0,
    sizes: tuple[tuple[int, int], ...] = FRAME_SIZES,
    conditions: tuple[str, ...] = CONDITIONS,
) -> Iterator[SyntheticSample]:
    """The synthetic kiosk set: `per_condition` frames per condition and frame size."""
    for size in sizes:
        for condition in conditions:
            for index in range(per_condition):
                yield make_sample(seed * 100_003 + index, condition, size)
