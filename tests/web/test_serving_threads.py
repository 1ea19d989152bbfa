"""Open event streams and camera previews never starve page requests on the served kiosk.

The kiosk's pages each hold an event stream, and the camera preview is another endless
response; waitress gives each its own thread. This serves the real app with the thread count
`locker run` uses, opens more streams than it has threads, and checks that pages still answer.
"""

from __future__ import annotations

import socket
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from locker.composition.running import THREADS
from locker.config import Settings
from locker.scanner.camera_service import CameraService
from locker.scanner.decoding import FrameDecoder
from locker.scanner.demo_camera import DemoCamera
from locker.scanner.preview import BOUNDARY
from locker.scanner.scan_events import Debouncer
from locker.web import create_app
from locker.web.stream_slots import EXTENSION, STREAM_SLOTS
from tests.support.waitress_thread import served_in_thread

ANSWER_TIMEOUT_S = 5
# The server learns that a client went away only when a write to it fails: a heartbeat or two.
CLOSED_NOTICED_S = 15
PAGES = ("/healthz", "/", "/courier/login")
# What each kind of stream sends when it works: an event, or the next camera frame.
NEXT_PART = {"/events": b"data: ", "/camera.mjpg": f"--{BOUNDARY}".encode()}


@dataclass
class Served:
    url: str
    app: Flask

    def open(self, path: str):
        response = urllib.request.urlopen(self.url + path, timeout=ANSWER_TIMEOUT_S)
        assert response.status == 200
        response.readline()  # the stream has started: its thread is taken
        return response

    def pages_answer(self) -> None:
        for path in PAGES:
            with urllib.request.urlopen(self.url + path, timeout=ANSWER_TIMEOUT_S) as page:
                assert page.status == 200, path


@pytest.fixture
def served(ctx, db_path, board, clock) -> Iterator[Served]:
    camera = DemoCamera()
    service = CameraService(
        "demo", FrameDecoder(), Debouncer(lambda event: None), source=lambda: camera
    ).start()
    app = create_app(Settings(db=db_path, language="en"), board=board, clock=clock, camera=service)
    with served_in_thread(app, threads=THREADS) as running:
        yield Served(running.url, app)
    service.stop()


def read_until(response, wanted: bytes) -> None:
    """Read the stream until a line starts with `wanted` (the socket timeout bounds it)."""
    while not (line := response.readline()).startswith(wanted):
        assert line, f"the stream ended before {wanted!r}"


def read_to_end(response) -> None:
    """Read until the server ends the stream (the socket timeout bounds it)."""
    while response.readline():
        pass


def test_the_stream_slots_leave_most_threads_to_pages():
    assert STREAM_SLOTS <= THREADS // 2


@pytest.mark.timeout(60)
@pytest.mark.parametrize("count", [THREADS, 2 * THREADS])
@pytest.mark.parametrize("path", ["/events", "/camera.mjpg"])
def test_pages_answer_while_more_streams_than_threads_are_open(served, path, count):
    held = []
    try:
        for _ in range(count):
            held.append(served.open(path))
        served.pages_answer()
        # The newest stream works; the oldest was ended to make room for it.
        if path == "/events":
            served.app.extensions["locker_live"].publish(
                {"kind": "notice", "notice": "A01", "notice_kind": "reminder"}
            )
        read_until(held[-1], NEXT_PART[path])
        read_to_end(held[0])
    finally:
        for response in held:
            response.close()
    # Once they are closed the server frees every slot, and serves streams and pages again.
    assert served.app.extensions[EXTENSION].wait_idle(CLOSED_NOTICED_S)
    again = served.open(path)
    try:
        served.pages_answer()
    finally:
        again.close()


@pytest.mark.timeout(60)
def test_the_home_pages_two_kinds_of_stream_share_the_slots(served):
    held = []
    try:
        for _ in range(THREADS):
            held.append(served.open("/events"))
            held.append(served.open("/camera.mjpg"))
        served.pages_answer()
        assert served.app.extensions[EXTENSION].live == STREAM_SLOTS
    finally:
        for response in held:
            response.close()


@pytest.mark.timeout(60)
def test_pages_answer_while_more_clients_than_threads_send_their_requests_a_byte_at_a_time(
    served,
):
    # A slow or hostile client on the network must not hold a thread while it sends: the
    # server reads whole requests before a thread takes them.
    address = urllib.parse.urlsplit(served.url)
    unfinished = b"POST /courier/login HTTP/1.1\r\nHost: kiosk\r\nContent-Length: 40\r\n\r\nco"
    trickling = []
    try:
        for _ in range(2 * THREADS):
            client = socket.create_connection((address.hostname, address.port), timeout=5)
            trickling.append(client)
        for byte in unfinished:
            for client in trickling:
                client.send(bytes([byte]))
            if byte == ord("\n"):
                served.pages_answer()
        served.pages_answer()
    finally:
        for client in trickling:
            client.close()
