"""Sources from a config string: folders cycle, files end, missing ones fail to open."""

from __future__ import annotations

import contextlib
import http.server
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from locker.scanner.capture import (
    ImageFolderSource,
    SourceOpenError,
    VideoCaptureSource,
    open_source,
)
from locker.scanner.grabber import LatestFrame
from locker.scanner.preview import CONTENT_TYPE, MjpegPreview
from tests.scanner_runtime.support import write_qr_video


def test_a_folder_cycles_its_images_in_name_order(tmp_path: Path) -> None:
    for name, level in [("b.png", 200), ("a.jpg", 10), ("notes.txt", 0)]:
        if name.endswith(".txt"):
            (tmp_path / name).write_text("not an image")
        else:
            cv2.imwrite(str(tmp_path / name), np.full((8, 8, 3), level, np.uint8))
    source = open_source(f"folder:{tmp_path}", fps=1000)
    assert isinstance(source, ImageFolderSource)
    levels = []
    for _ in range(4):
        frame = source.read()
        assert frame is not None
        levels.append(int(frame.mean().round()))
    assert [level > 100 for level in levels] == [False, True, False, True]
    source.close()
    assert source.read() is None


def test_a_video_file_is_finite_and_ends_with_none(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    write_qr_video(path, "X", frames=6, code_from=2, code_to=4)
    source = open_source(str(path), fps=1000)
    assert isinstance(source, VideoCaptureSource)
    assert not source.live
    frames = [source.read() for _ in range(7)]
    source.close()
    assert all(frame is not None and frame.shape == (480, 640, 3) for frame in frames[:6])
    assert frames[6] is None


@pytest.mark.parametrize(
    "spec_of",
    [
        lambda tmp: f"folder:{tmp / 'missing'}",
        lambda tmp: str(tmp / "missing.avi"),
        lambda tmp: f"folder:{tmp}",  # exists, but holds no image
    ],
)
def test_what_cannot_be_opened_raises_source_open_error(tmp_path: Path, spec_of) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceOpenError):
        open_source(spec_of(tmp_path))


def test_a_file_that_is_not_a_video_raises_source_open_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.avi"
    path.write_bytes(b"this is not a video")
    with pytest.raises(SourceOpenError):
        open_source(str(path))


def test_an_http_mjpeg_stream_is_a_live_source(tmp_path: Path) -> None:
    """The kiosk's own aiming preview, served over HTTP, read back as a network camera."""
    slot = LatestFrame()
    slot.put(np.full((240, 320, 3), 120, np.uint8))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.end_headers()
            preview = MjpegPreview(slot, width=320, max_fps=50)
            with contextlib.suppress(OSError):  # the reader hung up
                for part in preview.stream():
                    self.wfile.write(part)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/camera.mjpg"
    try:
        source = open_source(url, open_timeout_s=5, read_timeout_s=5)
        assert source.live
        slot.put(np.full((240, 320, 3), 200, np.uint8))
        frames = [source.read() for _ in range(3)]
        source.close()
    finally:
        server.shutdown()
        server.server_close()
        serving.join(5)
    assert all(frame is not None and frame.shape == (240, 320, 3) for frame in frames)
