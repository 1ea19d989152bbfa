"""The kiosk's decode pipeline: one frame in, the distinct codes in it out.

The pipeline is a cascade of (image fix, engine) steps, cheapest and most productive first. It
stops at the first step that reads anything, so a frame with a plain code in good light costs one
zxing-cpp call, and only hard frames pay for the fixes. docs/scanning.md gives the figures
behind the order.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from locker.scanner.decode_engines import (
    DEFAULT_FORMATS,
    MATRIX_FORMATS,
    Engine,
    EngineError,
    RawCode,
    make_engine,
)
from locker.scanner.decode_stages import STAGES

# The default cascade, as (stage, engine) steps. The order comes from the benchmark
# (scripts/bench_scan.py): each step is placed by what it reads that the steps before it missed,
# per millisecond it costs. Steps for an engine the decoder was not given are skipped.
DEFAULT_CASCADE: tuple[tuple[str, str], ...] = (
    ("plain", "zxing"),
    ("inverted", "zxing"),
    ("upscaled", "zxing"),
    ("downscaled", "zxing"),
    ("sharpened", "zxing"),
    ("contrast", "zxing"),
    ("threshold", "zxing"),
    ("mirrored", "zxing"),
    ("deblur_defocus", "zxing"),
    ("deblur_motion", "zxing"),
    ("zoomed", "zxing"),
    ("evened", "zxing"),
    ("restored", "zxing"),
    # zbar on the whole frame (plain, threshold) read nothing the steps above missed, on the
    # tuning set or the real photos, and at about 20 ms a 1280x720 frame it took a camera call
    # past 30 ms; zbar at half size is cheap and reads a real photo no other step does.
    ("downscaled", "pyzbar"),
)

# A decoder given one engine gets every fix, in this order, for that engine.
SINGLE_ENGINE_STAGES = (
    "plain",
    "inverted",
    "upscaled",
    "downscaled",
    "sharpened",
    "contrast",
    "threshold",
    "mirrored",
    "deblur_defocus",
    "deblur_motion",
    "zoomed",
    "evened",
    "restored",
)


class FrameError(ValueError):
    """The array is not an image: not uint8, or not H x W, H x W x 1, x 3 or x 4."""


@dataclass(frozen=True)
class DecodedCode:
    """A code read from a frame: its text exactly as encoded, its symbology, its corners."""

    text: str
    symbology: str  # "QR", "CODE128", "EAN13", "CODE39", ...
    polygon: tuple[tuple[int, int], ...]  # corners in frame pixels


@dataclass(frozen=True)
class DecodeTrace:
    """What a decode gave and which step of the cascade gave it (None: nothing read)."""

    codes: list[DecodedCode]
    step: str | None
    steps_tried: int


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A contiguous grayscale uint8 view of a BGR, BGRA or grayscale frame."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise FrameError("frame must be a numpy uint8 array")
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 3 and frame.shape[2] in (3, 4) and frame.size == 0:
        return np.zeros(frame.shape[:2], np.uint8)  # OpenCV refuses to convert an empty image
    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_BGR2GRAY)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_BGRA2GRAY)
    raise FrameError(f"frame shape {frame.shape} is not H x W or H x W x 1, 3 or 4")


class FrameDecoder:
    """Decodes camera frames through the cascade; one instance per camera thread."""

    def __init__(
        self,
        *,
        engines: Sequence[str] = ("zxing", "pyzbar"),
        formats: Sequence[str] = DEFAULT_FORMATS,
        cascade: Sequence[tuple[str, str]] | None = None,
        budget_ms: float | None = None,
    ) -> None:
        """`engines` picks the libraries; `budget_ms` stops the cascade early on slow frames.

        `cascade` overrides the (stage, engine) steps; by default both engines get
        DEFAULT_CASCADE and a single engine gets every stage (SINGLE_ENGINE_STAGES).

        With `budget_ms`, the cascade starts no further step once that much time has passed,
        which bounds the cost of frames that hold no code at all.
        """
        self.formats = tuple(formats)
        self.budget_ms = budget_ms
        self._engines: dict[str, Engine] = {
            name: make_engine(name, self.formats) for name in engines
        }
        # The same engines for the fixes only a 2D code needs (`Stage.matrix_only`).
        self._matrix_engines = _matrix_engines(self._engines, self.formats)
        if cascade is None:
            if len(self._engines) == 1:
                (only,) = self._engines
                cascade = tuple((stage, only) for stage in SINGLE_ENGINE_STAGES)
            else:
                cascade = DEFAULT_CASCADE
        unknown = [stage for stage, _ in cascade if stage not in STAGES]
        if unknown:
            raise ValueError(f"unknown cascade stages {unknown}; known: {sorted(STAGES)}")
        steps = [(stage, engine) for stage, engine in cascade if engine in self._engines]
        # An engine given but absent from the cascade still reads the plain frame.
        for engine in self._engines:
            if all(used != engine for _, used in steps):
                steps.append(("plain", engine))
        self.steps: tuple[tuple[str, str], ...] = tuple(steps)

    def decode(self, frame: np.ndarray) -> list[DecodedCode]:
        """The distinct codes in `frame` (BGR, BGRA or grayscale uint8)."""
        return self.decode_traced(frame).codes

    def decode_traced(self, frame: np.ndarray) -> DecodeTrace:
        """`decode`, also naming the cascade step that read the frame."""
        gray = to_gray(frame)
        if gray.size == 0:
            return DecodeTrace([], None, 0)
        started = time.perf_counter()
        work = CascadeWork(self, gray)
        while not work.done:
            if work.next_step > 0 and self._over_budget(started):
                return DecodeTrace([], None, work.next_step)
            name = work.next_name
            codes = work.run_next()
            if codes:
                return DecodeTrace(codes, name, work.next_step)
        return DecodeTrace([], None, len(self.steps))

    def step_name(self, index: int) -> str:
        """Cascade step `index`, as `stage/engine`."""
        stage, engine = self.steps[index]
        return f"{stage}/{engine}"

    def read_step(
        self, index: int, gray: np.ndarray, prepared: dict[str, object]
    ) -> list[DecodedCode]:
        """What cascade step `index` reads in `gray`; `prepared` caches the fixed images."""
        stage_name, engine_name = self.steps[index]
        stage = STAGES[stage_name]
        engines = self._matrix_engines if stage.matrix_only else self._engines
        if engine_name not in engines:
            return []  # a 2D fix in a decoder reading no 2D format
        if stage_name not in prepared:
            prepared[stage_name] = stage.apply(gray)
        stage_out = prepared[stage_name]
        if stage_out is None:
            return []
        image, back = stage_out  # type: ignore[misc]
        raw = engines[engine_name](image)
        return _distinct(raw, back) if raw else []

    def _over_budget(self, started: float) -> bool:
        if self.budget_ms is None:
            return False
        return (time.perf_counter() - started) * 1000 > self.budget_ms


class CascadeWork:
    """One frame's way through the cascade, which can stop after any step and resume later."""

    def __init__(self, decoder: FrameDecoder, gray: np.ndarray) -> None:
        """Work on `gray` (from `to_gray`), starting at the first step."""
        self.decoder = decoder
        self.gray = gray
        self.next_step = 0
        self._prepared: dict[str, object] = {}

    @property
    def done(self) -> bool:
        """Every step has been tried."""
        return self.next_step >= len(self.decoder.steps)

    @property
    def next_name(self) -> str:
        """The next step, as `stage/engine`."""
        return self.decoder.step_name(self.next_step)

    def run_next(self) -> list[DecodedCode]:
        """Try the next step; what it read (empty: nothing)."""
        codes = self.run(self.next_step)
        self.next_step += 1
        return codes

    def run(self, index: int) -> list[DecodedCode]:
        """Try step `index`, in whatever order the caller keeps; what it read."""
        return self.decoder.read_step(index, self.gray, self._prepared)

    def applied(self, index: int) -> bool:
        """Step `index` has run and its fix made an image of this frame (it may read nothing)."""
        stage, _ = self.decoder.steps[index]
        return self._prepared.get(stage) is not None


def _matrix_engines(engines: dict[str, Engine], formats: tuple[str, ...]) -> dict[str, Engine]:
    """Each engine restricted to the 2D formats among `formats`, where it reads any."""
    matrix = tuple(name for name in formats if name in MATRIX_FORMATS)
    if not matrix:
        return {}
    if matrix == formats:
        return dict(engines)
    restricted = {}
    for name in engines:
        # zbar reads no DataMatrix: a decoder for DataMatrix alone gives it no 2D fix.
        with contextlib.suppress(EngineError):
            restricted[name] = make_engine(name, matrix)
    return restricted


def _distinct(raw: list[RawCode], back: object) -> list[DecodedCode]:
    seen: dict[tuple[str, str], DecodedCode] = {}
    for code in raw:
        key = (code.text, code.symbology)
        if key not in seen:
            polygon = tuple(back(x, y) for x, y in code.polygon)  # type: ignore[operator]
            seen[key] = DecodedCode(code.text, code.symbology, polygon)
    return list(seen.values())
