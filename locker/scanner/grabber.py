"""One thread pulls frames; the newest frame wins.

The grabber reads its source as fast as the source delivers and puts each frame into a
single slot (`LatestFrame`), replacing the one before. Consumers (the decode loop, the aiming
preview) take whatever is newest, with its sequence number. When decoding is slower than
capture, no queue grows and no latency piles up: frames nobody took are dropped and counted.

A live source that stops delivering (read fails or returns None `fail_after` times in a row)
is closed and reopened with back-off; each state change is a health event the admin
dashboard can read through `health()` and `health_events()`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum

import numpy as np

from locker.scanner.capture import FrameSource

log = logging.getLogger(__name__)

FAIL_AFTER_READS = 3
BACKOFF_FIRST_S = 0.2
BACKOFF_MAX_S = 10.0
HEALTH_HISTORY = 50


class CameraState(Enum):
    """Where the camera is; `UP` and `DOWN` group them for the dashboard."""

    STARTING = "starting"
    OK = "ok"
    LOST = "lost"
    RECONNECTING = "reconnecting"
    ENDED = "ended"  # a video file played to its end
    STOPPED = "stopped"


UP = frozenset({CameraState.OK})
DOWN = frozenset({CameraState.LOST, CameraState.RECONNECTING})


@dataclass(frozen=True)
class CameraHealth:
    """A snapshot for the dashboard."""

    state: CameraState
    last_frame_at: datetime | None
    reconnects: int
    dropped_frames: int
    frames: int
    last_error: str | None = None


@dataclass(frozen=True)
class HealthEvent:
    """One state change of the camera, with why."""

    at: datetime
    state: CameraState
    detail: str


@dataclass(frozen=True)
class Frame:
    """A captured image with its sequence number (1, 2, ...) and monotonic capture time."""

    image: np.ndarray
    seq: int
    at: float


class LatestFrame:
    """A single-slot holder: `put` replaces, `wait_newer` returns the newest frame."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._taken = True
        self._closed = False
        self.dropped = 0

    @property
    def seq(self) -> int:
        """The sequence number of the newest frame (0 before the first)."""
        with self._cond:
            return self._frame.seq if self._frame is not None else 0

    def put(self, image: np.ndarray) -> int:
        """Replace the slot with a new frame; returns its sequence number."""
        with self._cond:
            if not self._taken:
                self.dropped += 1
            seq = self._frame.seq + 1 if self._frame is not None else 1
            self._frame = Frame(image, seq, self._clock())
            self._taken = False
            self._cond.notify_all()
            return seq

    def wait_newer(self, after_seq: int, timeout_s: float) -> Frame | None:
        """The newest frame if its seq is above `after_seq`, waiting up to `timeout_s`."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or (self._frame is not None and self._frame.seq > after_seq),
                timeout_s,
            )
            frame = self._frame
            if frame is None or frame.seq <= after_seq:
                return None
            self._taken = True
            return frame

    def close(self) -> None:
        """Wake every waiter; used at stop."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class FrameGrabber:
    """Owns one frame source on one thread; reopens it with back-off when it goes away."""

    def __init__(
        self,
        open_source: Callable[[], FrameSource],
        *,
        name: str = "camera",
        fail_after: int = FAIL_AFTER_READS,
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        on_health: Callable[[HealthEvent], None] | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self._open_source = open_source
        self.fail_after = fail_after
        self.backoff_first_s = backoff_first_s
        self.backoff_max_s = backoff_max_s
        self._on_health = on_health
        self._wall = wall
        self.latest = LatestFrame()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._health = CameraHealth(CameraState.STARTING, None, 0, 0, 0)
        self._events: deque[HealthEvent] = deque(maxlen=HEALTH_HISTORY)
        self.ended = threading.Event()

    # -- consumers' side --------------------------------------------------------------------

    def start(self) -> FrameGrabber:
        """Start the capture thread."""
        self._thread = threading.Thread(target=self._run, name=f"grab {self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread and close the source (a blocked read may take its timeout)."""
        self._stop.set()
        self.latest.close()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def wait_newer(self, after_seq: int, timeout_s: float) -> Frame | None:
        """The newest frame after `after_seq`, or None within `timeout_s`."""
        return self.latest.wait_newer(after_seq, timeout_s)

    def health(self) -> CameraHealth:
        """The current health record."""
        with self._lock:
            return replace(self._health, dropped_frames=self.latest.dropped)

    def health_events(self) -> list[HealthEvent]:
        """The last state changes, oldest first."""
        with self._lock:
            return list(self._events)

    # -- the capture thread -----------------------------------------------------------------

    def _run(self) -> None:
        source: FrameSource | None = None
        backoff = self.backoff_first_s
        misses = 0
        opened_before = False
        try:
            while not self._stop.is_set():
                if source is None:
                    if opened_before:
                        self._set_state(CameraState.RECONNECTING, f"reopening {self.name}")
                    try:
                        source = self._open_source()
                    except Exception as error:  # any backend failure: retry, do not die
                        self._set_state(
                            CameraState.RECONNECTING if opened_before else CameraState.LOST,
                            f"open failed: {error}; retry in {backoff:.2f} s",
                            error=f"open failed: {error}",
                        )
                        self._stop.wait(backoff)
                        backoff = min(backoff * 2, self.backoff_max_s)
                        continue
                    if opened_before:
                        self._bump_reconnects()
                    opened_before = True
                    misses = 0
                image, error_text = self._read(source)
                if image is None:
                    if not source.live:
                        self._set_state(CameraState.ENDED, "end of video")
                        return
                    misses += 1
                    if misses >= self.fail_after:
                        detail = error_text or f"no frame in {misses} reads"
                        self._set_state(CameraState.LOST, detail, error=detail)
                        _close_quietly(source)
                        source = None
                        # A source that opens and then fails again at once must not spin.
                        self._stop.wait(backoff)
                        backoff = min(backoff * 2, self.backoff_max_s)
                    continue
                misses = 0
                # Back-off resets on a delivered frame, not on a successful open.
                backoff = self.backoff_first_s
                self.latest.put(image)
                self._frame_arrived()
        finally:
            if source is not None:
                _close_quietly(source)
            if self._health.state is not CameraState.ENDED:
                self._set_state(CameraState.STOPPED, "stopped")
            self.ended.set()

    @staticmethod
    def _read(source: FrameSource) -> tuple[np.ndarray | None, str | None]:
        try:
            return source.read(), None
        except Exception as error:  # a backend raising on a pulled cable counts as a miss
            return None, f"read failed: {error}"

    def _frame_arrived(self) -> None:
        with self._lock:
            health = self._health
            self._health = replace(health, frames=health.frames + 1, last_frame_at=self._wall())
        if health.state is not CameraState.OK:
            self._set_state(CameraState.OK, "frames arriving")

    def _bump_reconnects(self) -> None:
        with self._lock:
            self._health = replace(self._health, reconnects=self._health.reconnects + 1)

    def _set_state(self, state: CameraState, detail: str, error: str | None = None) -> None:
        event = HealthEvent(self._wall(), state, detail)
        with self._lock:
            changes = replace(self._health, state=state)
            if error is not None:
                changes = replace(changes, last_error=error)
            self._health = changes
            self._events.append(event)
        if state in DOWN or state is CameraState.ENDED:
            log.warning("%s: %s (%s)", self.name, state.value, detail)
        else:
            log.info("%s: %s (%s)", self.name, state.value, detail)
        if self._on_health is not None:
            self._on_health(event)


def _close_quietly(source: FrameSource) -> None:
    with contextlib.suppress(Exception):
        source.close()
