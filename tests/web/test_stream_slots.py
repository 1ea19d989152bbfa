"""Live streams share a few slots: the screen's newest always gets one, others wait their turn."""

from __future__ import annotations

import threading

import pytest

from locker.config import Settings
from locker.web import create_app
from locker.web.stream_slots import EXTENSION, RETRY_AFTER_S, StreamSlots

SCREEN = "127.0.0.1"
ELSEWHERE = "10.0.0.7"


def test_the_screens_new_stream_ends_the_oldest_when_every_slot_is_taken():
    slots = StreamSlots(limit=2)
    first, second = slots.claim(screen=True), slots.claim(screen=True)
    woken = threading.Event()
    first.on_end(woken.set)
    third = slots.claim(screen=True)
    assert third is not None and woken.is_set()
    assert first.ended.is_set() and not second.ended.is_set()
    assert (slots.live, slots.held) == (2, 3)  # the first still runs until it stops
    first.release()
    assert slots.held == 2


def test_a_stream_from_elsewhere_gets_only_a_free_slot_and_never_ends_another():
    slots = StreamSlots(limit=2)
    screen = slots.claim(screen=True)
    remote = slots.claim(screen=False)
    assert remote is not None
    assert slots.claim(screen=False) is None
    assert not screen.ended.is_set() and not remote.ended.is_set()
    remote.release()
    assert slots.claim(screen=False) is not None


def test_a_stream_told_to_end_before_it_waits_is_woken_at_once():
    slots = StreamSlots(limit=1)
    early = slots.claim(screen=True)
    slots.claim(screen=True)
    woken = threading.Event()
    early.on_end(woken.set)
    assert woken.is_set()


def test_release_twice_frees_one_slot():
    slots = StreamSlots(limit=2)
    stream = slots.claim(screen=True)
    other = slots.claim(screen=True)
    stream.release()
    stream.release()
    assert slots.live == 1 and not other.ended.is_set()


@pytest.mark.timeout(30)
def test_the_bookkeeping_holds_under_many_threads_at_once():
    slots = StreamSlots(limit=4)
    over_limit = []
    refused = []
    start = threading.Barrier(16)

    def visitor(n: int) -> None:
        start.wait()
        for round_ in range(200):
            screen = (n + round_) % 3 == 0
            stream = slots.claim(screen)
            if slots.live > slots.limit:
                over_limit.append(slots.live)
            if stream is None:
                refused.append(screen)
                continue
            stream.release()

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not over_limit
    assert True not in refused  # the screen is never refused
    assert slots.held == 0 and slots.wait_idle(0)


@pytest.fixture
def camera():
    class StillCamera:
        """A camera whose preview is one part, again and again."""

        def preview(self):
            while True:
                yield b"--frame\r\nContent-Type: image/jpeg\r\n\r\nJPEG\r\n"

    return StillCamera()


def make_app(ctx, db_path, board, camera, **settings):
    return create_app(Settings(db=db_path, language="en", **settings), board=board, camera=camera)


def open_stream(app, path: str, address: str):
    return app.test_client().get(path, buffered=False, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("path", ["/events", "/camera.mjpg"])
def test_streams_are_for_the_lockers_own_screen_by_default(ctx, db_path, board, camera, path):
    app = make_app(ctx, db_path, board, camera)
    refused = open_stream(app, path, ELSEWHERE)
    assert refused.status_code == 403
    assert "remote_streams" in refused.get_data(as_text=True)
    screen = open_stream(app, path, SCREEN)
    assert screen.status_code == 200
    screen.close()
    assert app.extensions[EXTENSION].held == 0


def test_remote_streams_share_the_slots_and_are_refused_when_they_are_taken(
    ctx, db_path, board, camera
):
    app = make_app(ctx, db_path, board, camera, remote_streams=True)
    slots = app.extensions[EXTENSION]
    held = [
        open_stream(app, ("/events", "/camera.mjpg")[n % 2], ELSEWHERE) for n in range(slots.limit)
    ]
    assert [r.status_code for r in held] == [200] * slots.limit
    busy = open_stream(app, "/camera.mjpg", ELSEWHERE)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == str(RETRY_AFTER_S)
    # The locker's own screen still gets its stream: the oldest remote one makes room.
    screen = open_stream(app, "/events", SCREEN)
    assert screen.status_code == 200
    assert (slots.live, slots.held) == (slots.limit, slots.limit + 1)
    # One thread serves every stream here, so they end in the reverse order of their start.
    for response in reversed([*held, screen]):
        response.close()
    assert slots.held == 0


def test_a_stream_that_never_started_frees_its_slot_when_closed(ctx, db_path, board, camera):
    app = make_app(ctx, db_path, board, camera)
    for path in ("/events", "/camera.mjpg"):
        open_stream(app, path, SCREEN).close()
    assert app.extensions[EXTENSION].held == 0
