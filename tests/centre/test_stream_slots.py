"""Live streams take at most their slots: with 17 open at once, the pages still load."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator

import pytest

from locker.centre.serve import Centre
from tests.centre.conftest import login
from tests.support.waitress_thread import served_in_thread

THREADS = 16


@pytest.fixture
def served(centre: Centre) -> Iterator[int]:
    """The console on waitress, as `locker fleet serve` runs it; yields its port."""
    with served_in_thread(centre.app, threads=THREADS) as running:
        yield running.port
        centre.slots.stopping.set()


def _open_stream(port: int, cookie: str) -> tuple[socket.socket, str]:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(
        f"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: centre_session={cookie}\r\n\r\n".encode()
    )
    status = conn.makefile("rb").readline().decode()
    return conn, status


def test_seventeen_streams_at_once_leave_the_pages_their_threads(
    centre: Centre, served: int
) -> None:
    browser = centre.app.test_client()
    login(browser, "alice")
    cookie = browser.get_cookie("centre_session")
    assert cookie is not None
    opened: list[tuple[socket.socket, str]] = []
    lock = threading.Lock()

    def open_one() -> None:
        found = _open_stream(served, cookie.value)
        with lock:
            opened.append(found)

    openers = [threading.Thread(target=open_one) for _ in range(17)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(15)
    try:
        statuses = sorted(status.split()[1] for _, status in opened)
        assert statuses.count("200") == centre.slots.limit == 8
        assert statuses.count("503") == 17 - 8

        for _ in range(3):
            page = http.client.HTTPConnection("127.0.0.1", served, timeout=5)
            page.request("GET", "/", headers={"Cookie": f"centre_session={cookie.value}"})
            answer = page.getresponse()
            assert answer.status == 200 and b"TEST-01" in answer.read()
            page.close()
    finally:
        for conn, _ in opened:
            conn.close()
