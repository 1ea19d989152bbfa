"""Frame sources: one small class per transport behind one `FrameSource` protocol.

`open_source(spec)` is the factory keyed by the config string:

- `"0"`, `"1"`, ... or `"/dev/video0"`: a local camera (live);
- `"rtsp://..."`, `"http://..."`, `"https://..."`: a network stream (live, with open and
  read timeouts);
- `"folder:/path"`: the images of a folder, cycled (finite=False; for tests and the demo);
- any other path: a video file (finite: `read()` returning None means it ended).

A live source that returns None has lost its camera; the grabber reopens it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

FOLDER_PREFIX = "folder:"
NETWORK_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "udp://", "tcp://")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
DEFAULT_OPEN_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 2.0


class SourceOpenError(Exception):
    """The camera, stream, file or folder could not be opened."""


class FrameSource(Protocol):
    """Where frames come from. `read()` blocks at most about one frame interval or timeout."""

    # False for a video file: None from read() then means the end, not a lost camera.
    live: bool

    def read(self) -> np.ndarray | None:
        """The next BGR frame, or None when none came (lost camera, timeout or end of file)."""
        ...

    def close(self) -> None:
        """Release the device; safe to call twice."""
        ...


class _Pacer:
    """Holds reads to a frame rate, as a real camera does, so files do not play at disk speed."""

    def __init__(self, fps: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / fps if fps else 0.0
        self._clock = clock
        self._due = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self._clock()
        if self._due > now:
            time.sleep(self._due - now)
            now = self._due
        # Never let the schedule fall behind by more than a frame: no burst to catch up.
        self._due = max(self._due + self.interval, now)


class VideoCaptureSource:
    """OpenCV VideoCapture on a camera index, a device path, a stream URL or a video file."""

    def __init__(
        self,
        target: int | str,
        *,
        live: bool,
        open_timeout_s: float = DEFAULT_OPEN_TIMEOUT_S,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        pace_fps: float | None = None,
    ) -> None:
        self.target = target
        self.live = live
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout_s * 1000),
        ]
        # The timeouts are honoured by the FFmpeg backend (streams, files) and by some camera
        # backends; V4L2 has its own select() timeout. Backends that do not know them ignore them.
        backend = cv2.CAP_FFMPEG if isinstance(target, str) and not _is_device(target) else 0
        self._capture = cv2.VideoCapture(target, backend, params)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceOpenError(f"cannot open {target!r}")
        if live:
            # Keep the driver's own queue short: the grabber wants the newest frame, not old ones.
            self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        fps = pace_fps
        if fps is None and not live:
            fps = self._capture.get(cv2.CAP_PROP_FPS) or None
        self._pacer = _Pacer(fps if not live else None)

    def read(self) -> np.ndarray | None:
        """The next frame, or None."""
        self._pacer.wait()
        ok, frame = self._capture.read()
        return frame if ok else None

    def close(self) -> None:
        """Release the capture."""
        self._capture.release()


class ImageFolderSource:
    """The images of a folder, in name order, cycled forever at `fps`."""

    live = True

    def __init__(self, folder: str | Path, *, fps: float | None = 15.0) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise SourceOpenError(f"no such folder: {folder}")
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        self.frames = [image for image in (cv2.imread(str(p)) for p in paths) if image is not None]
        if not self.frames:
            raise SourceOpenError(f"no readable images in {folder}")
        self._next = 0
        self._pacer = _Pacer(fps)
        self.closed = False

    def read(self) -> np.ndarray | None:
        """The next image (a copy, so consumers may draw on it), cycling."""
        if self.closed:
            return None
        self._pacer.wait()
        image = self.frames[self._next]
        self._next = (self._next + 1) % len(self.frames)
        return image.copy()

    def close(self) -> None:
        """Stop reading."""
        self.closed = True


def _is_device(target: str) -> bool:
    return target.startswith("/dev/")


def open_source(
    spec: str,
    *,
    open_timeout_s: float = DEFAULT_OPEN_TIMEOUT_S,
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
    fps: float | None = None,
) -> FrameSource:
    """Open the source a config string names; SourceOpenError when it cannot be opened.

    `fps` paces folders and video files (a file defaults to its own frame rate).
    """
    spec = spec.strip()
    if spec.startswith(FOLDER_PREFIX):
        return ImageFolderSource(spec[len(FOLDER_PREFIX) :], fps=fps or 15.0)
    timeouts = {"open_timeout_s": open_timeout_s, "read_timeout_s": read_timeout_s}
    if spec.isdigit():
        return VideoCaptureSource(int(spec), live=True, **timeouts)
    if spec.lower().startswith(NETWORK_SCHEMES) or _is_device(spec):
        return VideoCaptureSource(spec, live=True, **timeouts)
    if not Path(spec).is_file():
        raise SourceOpenError(f"no such video file: {spec}")
    return VideoCaptureSource(spec, live=False, pace_fps=fps, **timeouts)
