"""The camera pipeline on one decode thread: grabber -> motion gate -> decoder -> debouncer.

`ScanLoop` takes the newest frame from a FrameGrabber, skips it when the motion gate sees no
change, decodes it, and offers each code to the shared Debouncer, which posts ScanEvents to
the app's event queue. It keeps counters for the idle-CPU benchmark and the most recent
detection for the aiming preview. `CameraService` wires a source spec into all of that.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np

from locker.scanner.capture import FrameSource, open_source
from locker.scanner.grabber import FrameGrabber
from locker.scanner.motion import MotionGate
from locker.scanner.preview import MjpegPreview
from locker.scanner.scan_events import Debouncer

log = logging.getLogger(__name__)

# How long one wait for a frame may block, so that stop() is seen promptly.
WAIT_SLICE_S = 0.25


class DecodedCodeLike(Protocol):
    """What a decoder returns per code (locker.scanner.decoding.DecodedCode)."""

    @property
    def text(self) -> str: ...
    @property
    def symbology(self) -> str: ...
    @property
    def polygon(self) -> tuple[tuple[int, int], ...]: ...


class Decoder(Protocol):
    """Anything with FrameDecoder's `decode` (locker.scanner.decoding.FrameDecoder)."""

    def decode(self, frame: np.ndarray) -> Sequence[DecodedCodeLike]: ...


@dataclass(frozen=True)
class Detection:
    """The codes one decoded frame held, for drawing boxes; `at` is monotonic seconds."""

    codes: tuple[DecodedCodeLike, ...]
    frame_seq: int
    at: float


@dataclass(frozen=True)
class ScanCounters:
    """What the loop did since it started."""

    frames_seen: int = 0
    frames_behind: int = 0  # newer frames arrived while decoding; never looked at
    skipped_motion: int = 0
    decoded: int = 0
    with_codes: int = 0
    decode_errors: int = 0
    events: int = 0
    decode_s: float = 0.0  # total decoder time, for ms per frame


_COUNTER_NAMES = tuple(field.name for field in fields(ScanCounters))


class ScanLoop:
    """The decode thread: one frame at a time, always the newest."""

    def __init__(
        self,
        grabber: FrameGrabber,
        decoder: Decoder,
        debouncer: Debouncer,
        *,
        gate: MotionGate | None = None,
        source: str = "camera",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.grabber = grabber
        self.decoder = decoder
        self.debouncer = debouncer
        self.gate = gate
        self.source = source
        self._clock = clock
        self._counters = ScanCounters()
        self._lock = threading.Lock()
        self._detection: Detection | None = None
        self._in_view: tuple[DecodedCodeLike, ...] = ()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_seq = 0

    def start(self) -> ScanLoop:
        """Start the decode thread (the grabber is started separately)."""
        self._stop.clear()
        # The loop starts at the newest frame; older ones were never waited for, so not behind.
        self.last_seq = max(0, self.grabber.latest.seq - 1)
        self._thread = threading.Thread(target=self._run, name=f"scan {self.source}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the frame being decoded."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def counters(self) -> ScanCounters:
        """A snapshot of the counters."""
        with self._lock:
            return self._counters

    def last_detection(self) -> Detection | None:
        """The codes of the most recent decode that found any."""
        with self._lock:
            return self._detection

    def _run(self) -> None:
        while not self._stop.is_set():
            frame = self.grabber.wait_newer(self.last_seq, WAIT_SLICE_S)
            if frame is None:
                continue
            self.step(frame.image, frame.seq)

    def step(self, image: np.ndarray, seq: int) -> None:
        """Handle one frame: gate, decode, debounce. Public so tests can drive it directly."""
        try:
            self._look(image, seq, behind=max(0, seq - self.last_seq - 1))
        finally:
            # Set last: whoever waits for this frame to be looked at finds its counts there too.
            self.last_seq = seq

    def _look(self, image: np.ndarray, seq: int, behind: int) -> None:
        self._count(frames_seen=1, frames_behind=behind)
        still = self.gate is not None and not self.gate.should_decode(image)
        # A decoder that spreads a hard frame over several calls (SpreadDecoder) still has work
        # on it: a code held still in front of the camera must not wait for something to move.
        if still and not getattr(self.decoder, "holding", False):
            self._count(skipped_motion=1)
            # Nothing moved, so what the last decode saw is still there: a code held still
            # stays one scan, however long it is held.
            for code in self._in_view:
                self.debouncer.renew(code.text)
            return
        started = self._clock()
        try:
            codes = tuple(self.decoder.decode(image))
        except Exception:  # one bad frame must not stop the kiosk from scanning
            log.exception("decoder failed on frame %d", seq)
            self._count(decoded=1, decode_errors=1, decode_s=self._clock() - started)
            return
        self._count(decoded=1, with_codes=1 if codes else 0, decode_s=self._clock() - started)
        self._in_view = codes
        if not codes:
            return
        with self._lock:
            self._detection = Detection(codes, seq, self._clock())
        for code in codes:
            if self.debouncer.offer(code.text, code.symbology, self.source) is not None:
                self._count(events=1)

    def _count(self, **increments: float) -> None:
        with self._lock:
            current = self._counters
            self._counters = ScanCounters(
                **{
                    name: getattr(current, name) + increments.get(name, 0)
                    for name in _COUNTER_NAMES
                }
            )


class CameraService:
    """A camera from a config spec, its grabber, its scan loop and its aiming preview."""

    def __init__(
        self,
        spec: str,
        decoder: Decoder,
        debouncer: Debouncer,
        *,
        gate: MotionGate | None = None,
        fps: float | None = None,
        name: str = "camera",
        source: Callable[[], FrameSource] | None = None,
    ) -> None:
        self.spec = spec
        self.grabber = FrameGrabber(source or (lambda: open_source(spec, fps=fps)), name=name)
        self.loop = ScanLoop(
            self.grabber, decoder, debouncer, gate=gate or MotionGate(), source=name
        )

    def start(self) -> CameraService:
        """Start capturing and decoding."""
        self.grabber.start()
        self.loop.start()
        return self

    def stop(self) -> None:
        """Stop decoding, then capturing."""
        self.loop.stop()
        self.grabber.stop()

    def preview(self, *, width: int = 640, max_fps: float = 10.0) -> Iterator[bytes]:
        """A fresh MJPEG body for one preview client (see MjpegPreview)."""
        return MjpegPreview(
            self.grabber.latest, self.loop.last_detection, width=width, max_fps=max_fps
        ).stream()
