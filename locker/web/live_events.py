"""Server-Sent Events: scan results and door notices pushed to every open kiosk page."""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any

# A page that stops reading must not hold memory: its oldest events are dropped past this.
QUEUE_LIMIT = 32
# A comment line this often keeps proxies and the browser from closing an idle stream.
# It is also how soon a page that went away frees its server thread: a kiosk moves from page
# to page every few seconds, and each page holds a stream, so it is a second.
HEARTBEAT_S = 1.0
# Put in one page's queue to make its stream look up from waiting; it carries no event.
WAKE: dict[str, Any] = {}


class Broadcaster:
    """Fans each published event out to every subscribed page; never blocks the publisher."""

    def __init__(self) -> None:
        self._subscribers: set[queue.Queue[dict[str, Any]]] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> queue.Queue[dict[str, Any]]:
        """A new page's queue."""
        inbox: queue.Queue[dict[str, Any]] = queue.Queue(QUEUE_LIMIT)
        with self._lock:
            self._subscribers.add(inbox)
        return inbox

    def unsubscribe(self, inbox: queue.Queue[dict[str, Any]]) -> None:
        """The page went away."""
        with self._lock:
            self._subscribers.discard(inbox)

    def publish(self, event: dict[str, Any]) -> None:
        """Send to every page, dropping a slow page's oldest event rather than waiting."""
        with self._lock:
            inboxes = list(self._subscribers)
        for inbox in inboxes:
            _put_dropping_oldest(inbox, event)

    @staticmethod
    def wake(inbox: queue.Queue[dict[str, Any]]) -> None:
        """Make the stream waiting on `inbox` return from its wait now (it gets `WAKE`)."""
        _put_dropping_oldest(inbox, WAKE)

    @property
    def subscribers(self) -> int:
        """How many pages are listening."""
        with self._lock:
            return len(self._subscribers)


def _put_dropping_oldest(inbox: queue.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    while True:
        try:
            inbox.put_nowait(event)
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                inbox.get_nowait()
