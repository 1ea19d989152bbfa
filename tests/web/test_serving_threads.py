"""Open event streams and camera previews never starve page requests on the served kiosk.

The kiosk's pages each hold an event stream, and the camera preview is another endless
response; waitress gives each its own thread. This serves the real app with the thread count
`locker run` uses, holds streams open, and checks that pages still answer.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator

import pytest
import waitress
from waitress import wasyncore

from locker.composition.running import THREADS
from locker.config import Settings
from locker.scanner.camera_service import CameraService
from locker.scanner.decoding import FrameDecoder
from locker.scanner.demo_camera import DemoCamera
from locker.scanner.scan_events import Debouncer
from locker.web import create_app

# A kiosk screen, its camera preview, an admin's laptop and a courier's second look.
STREAMS = 6
PREVIEWS = 2
ANSWER_TIMEOUT_S = 5


@pytest.fixture
def served(ctx, db_path, board, clock) -> Iterator[str]:
    camera = DemoCamera()
    service = CameraService(
        "demo", FrameDecoder(), Debouncer(lambda event: None), source=lambda: camera
    ).start()
    app = create_app(Settings(db=db_path, language="en"), board=board, clock=clock, camera=service)
    socket_map: dict[int, wasyncore.dispatcher] = {}
    server = waitress.create_server(app, map=socket_map, host="127.0.0.1", port=0, threads=THREADS)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
    thread.join(5)
    server.task_dispatcher.shutdown(timeout=5)
    service.stop()


def test_pages_answer_while_streams_and_previews_are_open(served):
    held = []
    try:
        for path in ["/events"] * STREAMS + ["/camera.mjpg"] * PREVIEWS:
            response = urllib.request.urlopen(served + path, timeout=ANSWER_TIMEOUT_S)
            response.readline()  # the stream has started: its thread is taken
            held.append(response)
        for path in ("/", "/courier/login", "/healthz"):
            with urllib.request.urlopen(served + path, timeout=ANSWER_TIMEOUT_S) as page:
                assert page.status == 200
    finally:
        for response in held:
            response.close()
    assert len(held) == STREAMS + PREVIEWS < THREADS
