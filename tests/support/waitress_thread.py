"""A WSGI app served by waitress on 127.0.0.1 in a thread, as the kiosk and the console run."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import waitress
from waitress import wasyncore


@dataclass
class ServerThread:
    """The server and the thread running its loop."""

    server: Any
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server.effective_port)

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def served_in_thread(
    app: Any,
    *,
    threads: int,
    name: str = "waitress",
    timeout_s: float = 5.0,
    after_loop: Callable[[], None] = lambda: None,
) -> Iterator[ServerThread]:
    """Serve `app` until the block ends, then close every connection and stop the workers.

    `after_loop` runs once the loop has stopped and before the workers are waited for (to wake
    a worker blocked on a stream, for instance).
    """
    socket_map: dict[int, wasyncore.dispatcher] = {}
    server = waitress.create_server(app, map=socket_map, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        yield ServerThread(server, thread)
    finally:
        # server.close() alone leaves keep-alive connections in the map, so run() never
        # returns: everything is closed from the loop's own thread, where the map is not in use.
        # The loop may have closed its trigger already as a stream ended: it is then closing.
        with contextlib.suppress(OSError):
            server.trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
        thread.join(timeout_s)
        after_loop()
        server.task_dispatcher.shutdown(timeout=timeout_s)
