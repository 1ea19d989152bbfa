"""A real HTTP server on loopback that records each request and answers as a provider would."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

# The proxy variables that requests and urllib read: a proxy must not stand between a test and
# its server on loopback.
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@dataclass(frozen=True)
class Received:
    """One request as the server read it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes

    def json(self) -> Any:
        """The body, read as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    """What the server says: a status, a JSON body (or raw bytes) and extra headers."""

    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()

    def payload(self) -> bytes:
        """The body's bytes."""
        if isinstance(self.body, bytes):
            return self.body
        return b"" if self.body is None else json.dumps(self.body).encode("utf-8")


class ProviderServer:
    """Answers every request with `answer(received)`, or holds it unanswered while `stalled`.

    It speaks HTTP/1.0, so each connection closes after its answer and no client keeps a socket
    to it; closing the server releases held requests and joins every handler thread.
    """

    def __init__(self, answer: Callable[[Received], Answer] | None = None, port: int = 0) -> None:
        self.answer = answer or (lambda received: Answer())
        self.received: list[Received] = []
        self.stalled = False
        self._released = threading.Event()
        self._server = _Server(("127.0.0.1", port), _handler_for(self))
        # A short poll, so that closing the server does not wait out the default half second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """`host:port`, as the SDKs take an endpoint."""
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> ProviderServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        split = urlsplit(handler.path)
        received = Received(
            method=handler.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=handler.headers,
            body=handler.rfile.read(length),
        )
        self.received.append(received)
        if self.stalled:
            # Never answer: the client's timeout must end its wait.
            self._released.wait()
            return
        answer = self.answer(received)
        payload = answer.payload()
        handler.send_response(answer.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on close, so that none outlives its test.
    daemon_threads = False


def _handler_for(server: ProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server._respond(self)

        def do_POST(self) -> None:
            server._respond(self)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads `received` instead."""

    return Handler


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port bound by no listener: every connection to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


def clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every proxy variable for the test."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
