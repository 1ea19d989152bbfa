"""A line-command TCP server that lets tests and demos act on a simulated bus.

One command a line, one answer a line: `ok`, `error: ...`, or for `state` one JSON line.
One thread serves every client through a selector, so stopping is a single wake-up.
"""

from __future__ import annotations

import json
import logging
import selectors
import socket
import threading

from locker.boards.sim.bench import SimBench
from locker.boards.sim.errors import SimulatorError
from locker.boards.sim.faults import LINK_FAULTS
from locker.boards.sim.waker import ServeThread

log = logging.getLogger(__name__)

MAX_CLIENTS = 8
MAX_LINE = 512
READ_SIZE = 4096
WRITE_TIMEOUT_S = 2.0
COMMANDS = (
    "close B C",
    "open B C",
    "item B C on|off",
    "fault NAME on|off [B [C] | VALUE]",
    "state",
    "help",
    "quit",
)
HELP = "commands: " + "; ".join(COMMANDS)


def handle_line(bench: SimBench, line: str) -> str:
    """Run one command line against the bench and return its one-line answer."""
    words = line.split()
    if not words:
        return "error: empty command"
    verb, args = words[0].lower(), words[1:]
    try:
        if verb == "state":
            _expect(args, 0, verb)
            return json.dumps(bench.state(), separators=(",", ":"))
        if verb == "help":
            return HELP
        if verb == "close":
            board, channel = _ints(_expect(args, 2, verb))
            if not bench.model.close_door(board, channel):
                return "ok (a door_left_open fault holds it open)"
            return "ok"
        if verb == "open":
            bench.model.open_by_hand(*_ints(_expect(args, 2, verb)))
            return "ok"
        if verb == "item":
            board, channel = _ints(_expect(args, 3, verb)[:2])
            if _on_off(args[2]):
                bench.model.put_item(board, channel)
            else:
                bench.model.take_item(board, channel)
            return "ok"
        if verb == "fault":
            return _fault(bench, args)
    except SimulatorError as error:
        return f"error: {error}"
    return f"error: unknown command {verb!r}; {HELP}"


def _fault(bench: SimBench, args: list[str]) -> str:
    if len(args) < 2:
        raise SimulatorError("usage: fault NAME on|off [B [C] | VALUE]")
    name, on, numbers = args[0], _on_off(args[1]), _ints(args[2:])
    if name in LINK_FAULTS:
        if len(numbers) > 1:
            raise SimulatorError(f"{name} takes at most one value")
        bench.set_fault(name, on, value=numbers[0] if numbers else None)
    else:
        if len(numbers) > 2:
            raise SimulatorError(f"{name} takes at most a board and a channel")
        board, channel = (*numbers, None, None)[:2]
        bench.set_fault(name, on, board, channel)
    return "ok"


def _expect(args: list[str], count: int, verb: str) -> list[str]:
    if len(args) != count:
        raise SimulatorError(f"{verb} takes {count} arguments, got {len(args)}")
    return args


def _ints(words: list[str]) -> list[int]:
    try:
        return [int(word) for word in words]
    except ValueError:
        raise SimulatorError(f"not a number in {' '.join(words)!r}") from None


def _on_off(word: str) -> bool:
    if word.lower() not in ("on", "off"):
        raise SimulatorError(f"expected on or off, not {word!r}")
    return word.lower() == "on"


class ControlServer:
    """Serves `handle_line` on HOST:PORT to at most MAX_CLIENTS clients at once."""

    def __init__(self, bench: SimBench, host: str = "127.0.0.1", port: int = 0) -> None:
        self._bench = bench
        self.host, self.port = host, port
        self._listener: socket.socket | None = None
        self._thread: ServeThread | None = None
        self._buffers: dict[socket.socket, bytearray] = {}
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        """HOST:PORT, with the real port once started."""
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        """Listen and start serving."""
        with self._lock:
            listener = socket.create_server((self.host, self.port))
            self.port = listener.getsockname()[1]
            self._listener = listener
            self._thread = ServeThread(f"control {self.address}", self._serve)

    def stop(self) -> None:
        """Stop serving and close every connection."""
        with self._lock:
            if self._thread is None or self._listener is None:
                return
            self._thread.stop()
            self._listener.close()
            self._thread = self._listener = None

    def __enter__(self) -> ControlServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, wake: int) -> None:
        assert self._listener is not None
        listener = self._listener
        with selectors.DefaultSelector() as selector:
            selector.register(wake, selectors.EVENT_READ)
            selector.register(listener, selectors.EVENT_READ)
            try:
                while True:
                    for key, _ in selector.select():
                        if key.fd == wake:
                            return
                        if key.fileobj is listener:
                            self._accept(selector, listener)
                        else:
                            assert isinstance(key.fileobj, socket.socket)
                            self._read(selector, key.fileobj)
            finally:
                for client in list(self._buffers):
                    self._close(selector, client)

    def _accept(self, selector: selectors.BaseSelector, listener: socket.socket) -> None:
        client, _ = listener.accept()
        client.settimeout(WRITE_TIMEOUT_S)
        if len(self._buffers) >= MAX_CLIENTS:
            self._send(client, "error: too many control clients")
            client.close()
            return
        self._buffers[client] = bytearray()
        selector.register(client, selectors.EVENT_READ)

    def _read(self, selector: selectors.BaseSelector, client: socket.socket) -> None:
        try:
            data = client.recv(READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self._close(selector, client)
            return
        buffer = self._buffers[client]
        buffer += data
        while (end := buffer.find(b"\n")) >= 0:
            line = buffer[:end].decode("utf-8", "replace").strip()
            del buffer[: end + 1]
            if line.lower() == "quit":
                self._send(client, "ok")
                self._close(selector, client)
                return
            if not self._send(client, handle_line(self._bench, line)):
                self._close(selector, client)
                return
        if len(buffer) > MAX_LINE:
            self._send(client, f"error: line longer than {MAX_LINE} bytes")
            self._close(selector, client)

    def _send(self, client: socket.socket, answer: str) -> bool:
        try:
            client.sendall(answer.encode() + b"\n")
        except OSError as error:
            log.info("control: dropping a client: %s", error)
            return False
        return True

    def _close(self, selector: selectors.BaseSelector, client: socket.socket) -> None:
        selector.unregister(client)
        self._buffers.pop(client, None)
        client.close()
