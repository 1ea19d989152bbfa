"""Stream slots: endless responses never take the server threads that pages need.

waitress serves every response on one of a fixed number of threads (`locker run`: 16), and an
endless response (`/events`, `/camera.mjpg`) holds its thread while it is open. So streams share
a few slots. A stream from the locker's own screen always gets one: when they are all taken it
ends the oldest stream (an EventSource reconnects by itself; a page that went away does not).
A stream from elsewhere is refused unless `remote_streams` allows it, and then gets a slot only
while one is free: it can never push out the screen, nor take more than the slots.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app

from locker.web.kiosk_screen import from_kiosk_screen

# Live streams at once. The home page holds two (events and camera), the demo's cabinet one,
# and a page the screen just left holds its two until the server next writes to it: six
# leave ten of `locker run`'s sixteen threads to pages even when all are taken.
STREAM_SLOTS = 6
# How long a refused remote stream is told to wait before trying again.
RETRY_AFTER_S = 5
EXTENSION = "locker_streams"


class Stream:
    """One open stream's slot: `ended` is set when it must stop; `release()` when it has."""

    def __init__(self, slots: StreamSlots) -> None:
        self._slots = slots
        self.ended = threading.Event()
        self._wakers: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def on_end(self, wake: Callable[[], None]) -> None:
        """Call `wake` when the stream is told to end (at once if it has been), so a stream
        waiting for its next message notices without waiting out its timeout."""
        with self._lock:
            if not self.ended.is_set():
                self._wakers.append(wake)
                return
        wake()

    def end(self) -> None:
        """Tell the stream to stop at its next step."""
        with self._lock:
            self.ended.set()
            wakers, self._wakers = self._wakers, []
        for wake in wakers:
            wake()

    def release(self) -> None:
        """The stream has stopped: its slot is free. Safe to call more than once."""
        self._slots.release(self)


class StreamSlots:
    """A bounded set of live streams, oldest first."""

    def __init__(self, limit: int = STREAM_SLOTS) -> None:
        if limit < 1:
            raise ValueError("a stream needs at least one slot")
        self.limit = limit
        self._live: list[Stream] = []
        self._ending: set[Stream] = set()
        self._changed = threading.Condition()

    def claim(self, screen: bool) -> Stream | None:
        """A slot for a new stream; the screen's ends the oldest when all are taken.

        None when every slot is taken and the stream is not the screen's.
        """
        with self._changed:
            oldest = None
            if len(self._live) >= self.limit:
                if not screen:
                    return None
                oldest = self._live.pop(0)
                self._ending.add(oldest)
            stream = Stream(self)
            self._live.append(stream)
        if oldest is not None:
            oldest.end()
        return stream

    def release(self, stream: Stream) -> None:
        """Free a stream's slot."""
        with self._changed:
            if stream in self._live:
                self._live.remove(stream)
            self._ending.discard(stream)
            self._changed.notify_all()

    @property
    def live(self) -> int:
        """Streams holding a slot."""
        with self._changed:
            return len(self._live)

    @property
    def held(self) -> int:
        """Streams still running: the live ones and those told to end that have not yet."""
        with self._changed:
            return len(self._live) + len(self._ending)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no stream runs; False if some still do after `timeout_s`."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._live and not self._ending, timeout_s)


def install(app: Flask) -> None:
    """Give the app its stream slots."""
    app.extensions[EXTENSION] = StreamSlots()


def claim_stream() -> Stream | Response:
    """This request's stream slot, or the refusal to answer with instead."""
    screen = from_kiosk_screen()
    if not screen and not current_app.config["LOCKER_SETTINGS"].remote_streams:
        return Response(
            "live streams are for the locker's own screen (see remote_streams)\n",
            status=403,
            mimetype="text/plain",
        )
    slots: StreamSlots = current_app.extensions[EXTENSION]
    stream = slots.claim(screen)
    if stream is None:
        return Response(
            "every live stream is taken: try again shortly\n",
            status=503,
            mimetype="text/plain",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    return stream


def stream_response(
    stream: Stream, body: Iterable[bytes] | Iterable[str], **kwargs: Any
) -> Response:
    """A response for `body` that frees the slot when the server closes it.

    The server closes every response, whether the body ran to its end, the client went away,
    or the body never started; a generator's own `finally` runs only in the first two cases.
    """
    response = Response(body, **kwargs)
    response.call_on_close(stream.release)
    return response
