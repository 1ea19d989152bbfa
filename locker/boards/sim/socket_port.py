"""A TCP port with a simulated board behind it, for hosts that open `socket://host:port`.

It stands in for an RS485-to-Ethernet gateway: one host at a time, and a newcomer replaces
the old connection so a host that restarted is not locked out by its own dead socket.
"""

from __future__ import annotations

import logging
import selectors
import socket

from locker.boards.sim.faults import Handler
from locker.boards.sim.sim_port import SimPort
from locker.boards.sim.waker import ServeThread

log = logging.getLogger(__name__)

READ_SIZE = 4096
WRITE_TIMEOUT_S = 1.0


class SocketPort(SimPort):
    """One listening socket and one thread serving one client with `handler`."""

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_tick_s: float | None = None,
    ) -> None:
        super().__init__()
        self._handler = handler
        # As PtyPort: after this long without bytes the handler gets b"" to run its main loop.
        self._idle_tick_s = idle_tick_s
        self.host = host
        self.port = port
        self._listener: socket.socket | None = None
        self._thread: ServeThread | None = None
        self._client: socket.socket | None = None

    @property
    def path(self) -> str:
        """The URL the host gives pyserial; the port is known once started."""
        return f"socket://{self.host}:{self.port}"

    @property
    def plugged(self) -> bool:
        """Whether the port is listening."""
        return self._listener is not None

    def _plug(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Replug binds the port it had a moment ago, which may still be in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = ServeThread(f"socket {self.path}", lambda wake: self._serve(wake, listener))

    def _unplug(self) -> None:
        if self._listener is None:
            return
        assert self._thread is not None
        self._thread.stop()
        self._listener.close()
        self._listener = None
        self._thread = None

    def _serve(self, wake: int, listener: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(wake, selectors.EVENT_READ)
            selector.register(listener, selectors.EVENT_READ)
            try:
                while self._serve_once(selector, wake, listener):
                    pass
            finally:
                self._drop_client(selector)

    def _serve_once(
        self, selector: selectors.BaseSelector, wake: int, listener: socket.socket
    ) -> bool:
        events = selector.select(self._idle_tick_s)
        if not events:
            self._reply(selector, b"")
        for key, _ in events:
            if key.fd == wake:
                return False
            if key.fileobj is listener:
                client, _ = listener.accept()
                client.settimeout(WRITE_TIMEOUT_S)
                self._drop_client(selector)
                self._client = client
                selector.register(client, selectors.EVENT_READ)
            elif key.fileobj is self._client:
                self._answer(selector, self._client)
        return True

    def _answer(self, selector: selectors.BaseSelector, client: socket.socket) -> None:
        try:
            data = client.recv(READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self._drop_client(selector)
            return
        self._reply(selector, data)

    def _reply(self, selector: selectors.BaseSelector, data: bytes) -> None:
        try:
            reply = self._handler(data)
        except Exception:
            log.exception("socket %s: handler failed on %s", self.path, data.hex(" "))
            return
        client = self._client
        if reply and client is not None:
            try:
                client.sendall(reply)
            except OSError as error:
                log.warning("socket %s: write failed: %s", self.path, error)
                self._drop_client(selector)

    def _drop_client(self, selector: selectors.BaseSelector) -> None:
        if self._client is not None:
            selector.unregister(self._client)
            self._client.close()
            self._client = None
