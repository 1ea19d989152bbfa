"""One serial bus, one owner thread: callers submit exchanges and wait on futures.

The owner thread is the only code that touches the port. It writes a request, reads until a
frame the caller accepts arrives or the reply timeout passes, and hands every other frame to
the unsolicited-frame callback (a board's door events). When the adapter disappears
(SerialException, EIO) it fails the exchange in flight and every queued one at once, reopens
the port with back-off, and calls `on_reconnect` so the driver can resync the boards' status.
Any other exception on the owner thread (a bug) does the same, and restarts the thread's loop:
it is counted in `restarts`, with `last_error`, for the health view.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

import serial

from locker.boards.port_lock import PortLock

log = logging.getLogger(__name__)

# How long one read call, or one idle wait on the queue, may block: how often a quiet bus looks
# for a board's unsolicited frames.
READ_SLICE_S = 0.01
# Silence this long mid-frame means the rest was lost (Modbus RTU's inter-frame gap, widened
# for USB adapters that deliver in bursts); firmware_bridge's RX_IDLE_MS.
IDLE_GAP_S = 0.02
RECONNECT_FIRST_S = 0.05
RECONNECT_MAX_S = 2.0


class BusUnavailableError(Exception):
    """The port is closed or unplugged: the exchange was not sent."""


class Decoder(Protocol):
    """A protocol's stream decoder: bytes in, whole checked frames out."""

    def feed(self, data: bytes) -> list[Any]: ...


@dataclass
class _Exchange:
    request: bytes
    accept: Callable[[Any], bool] | None
    timeout_s: float
    future: Future[Any] = field(default_factory=Future)


_STOP = object()


class SerialBus:
    """The owner of one pyserial URL (a device path, a pty or socket://host:port)."""

    def __init__(
        self,
        url: str,
        decoder_factory: Callable[[], Decoder],
        *,
        baudrate: int = 19200,
        on_unsolicited: Callable[[Any], None] | None = None,
        on_reconnect: Callable[[], None] | None = None,
        open_port: Callable[..., Any] = serial.serial_for_url,
        lock_ports: bool = True,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self._decoder_factory = decoder_factory
        self._decoder = decoder_factory()
        # Settable until start(), like on_reconnect: a driver built on this bus answers events.
        self.on_unsolicited = on_unsolicited or (lambda frame: None)
        self.on_reconnect = on_reconnect
        self._open_port = open_port
        self._lock = PortLock(url) if lock_ports else None
        self._port: Any = None
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._connected = threading.Event()
        self._opened_before = False
        self._last_rx = 0.0
        self._in_flight: _Exchange | None = None
        self._restarting = False
        self._restart_pause_s = RECONNECT_FIRST_S
        # Port reopenings after a loss, and owner-loop restarts after a bug, with the last bug.
        self.reconnects = 0
        self.restarts = 0
        self.last_error: str | None = None

    # -- callers' side ----------------------------------------------------------------------

    def start(self) -> SerialBus:
        """Take the port lock, open the port and start the owner thread."""
        if self._lock is not None:
            self._lock.acquire()
        self._thread = threading.Thread(target=self._run, name=f"bus {self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop the owner thread, close the port and release its lock."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout_s)
            self._thread = None
        self._close()
        if self._lock is not None:
            self._lock.release()

    @property
    def connected(self) -> bool:
        """True while the port is open."""
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        """Wait until the port is open."""
        return self._connected.wait(timeout_s)

    def exchange(
        self, request: bytes, accept: Callable[[Any], bool] | None, timeout_s: float
    ) -> Future[Any]:
        """Send `request`; the future gets the first accepted frame, or None at the timeout.

        With `accept=None` nothing is awaited: the future resolves once the bytes are written.
        The future fails with BusUnavailableError when the port is gone.
        """
        exchange = _Exchange(request, accept, timeout_s)
        if not self.connected:
            exchange.future.set_exception(BusUnavailableError(f"{self.url} is not connected"))
            return exchange.future
        self._queue.put(exchange)
        return exchange.future

    # -- the owner thread -------------------------------------------------------------------

    def _run(self) -> None:
        # This thread is the port's only owner: if it died, `connected` would stay true and
        # every exchange would wait in the queue for ever. A bug (in a decoder, an accept
        # callback, a driver's frame handler) restarts the loop instead.
        while True:
            try:
                self._loop()
                return
            except Exception as error:
                log.exception("the owner thread of %s failed; restarting it", self.url)
                if self._restart(error):
                    return

    def _loop(self) -> None:
        backoff = RECONNECT_FIRST_S
        while True:
            if self._port is None:
                if not self._try_open():
                    if self._drain_and_wait(backoff):
                        return
                    backoff = min(backoff * 2, RECONNECT_MAX_S)
                    continue
                backoff = RECONNECT_FIRST_S
            try:
                item = self._queue.get(timeout=READ_SLICE_S)
            except queue.Empty:
                item = None
            if item is _STOP:
                self._fail_pending()
                return
            self._in_flight = item
            try:
                if item is None:
                    self._read_into(None, time.monotonic())
                else:
                    self._serve(item)
                    self._restart_pause_s = RECONNECT_FIRST_S
            except (serial.SerialException, OSError) as error:
                log.warning("lost %s: %s; reconnecting", self.url, error)
                if isinstance(item, _Exchange) and not item.future.done():
                    item.future.set_exception(BusUnavailableError(f"{self.url}: {error}"))
                self._close()
                self._fail_pending()
            self._in_flight = None

    def _restart(self, error: Exception) -> bool:
        """Fail the exchange in flight and the queued ones, close the port, count the restart,
        and pause before reopening (longer each time in a row); True when told to stop."""
        self._close()
        self.restarts += 1
        self.last_error = f"{type(error).__name__}: {error}"
        self._restarting = True
        item, self._in_flight = self._in_flight, None
        if isinstance(item, _Exchange) and not item.future.done():
            item.future.set_exception(
                BusUnavailableError(f"{self.url}: the bus restarted after {self.last_error}")
            )
        self._fail_pending()
        pause, self._restart_pause_s = (
            self._restart_pause_s,
            min(self._restart_pause_s * 2, RECONNECT_MAX_S),
        )
        return self._drain_and_wait(pause)

    def _try_open(self) -> bool:
        try:
            self._port = self._open_port(self.url, baudrate=self.baudrate, timeout=READ_SLICE_S)
        except (serial.SerialException, OSError, ValueError) as error:
            log.debug("cannot open %s yet: %s", self.url, error)
            self._port = None
            return False
        self._decoder = self._decoder_factory()
        self._connected.set()
        if self._opened_before:
            # A reopen after a restart is counted as the restart, not as a lost port.
            if not self._restarting:
                self.reconnects += 1
            self._restarting = False
            if self.on_reconnect is not None:
                # The resync runs on its own thread: it submits exchanges to this one.
                threading.Thread(target=self.on_reconnect, name="resync", daemon=True).start()
        self._opened_before = True
        return True

    def _drain_and_wait(self, backoff_s: float) -> bool:
        """While disconnected, fail what callers queue; True when told to stop."""
        deadline = time.monotonic() + backoff_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                return False
            if item is _STOP:
                return True
            item.future.set_exception(BusUnavailableError(f"{self.url} is not connected"))
        return False

    def _serve(self, exchange: _Exchange) -> None:
        if exchange.future.set_running_or_notify_cancel() is False:
            return
        self._port.write(exchange.request)
        self._port.flush()
        if exchange.accept is None:
            exchange.future.set_result(None)
            return
        deadline = time.monotonic() + exchange.timeout_s
        exchange.future.set_result(self._read_into(exchange.accept, deadline))

    def _read_into(self, accept: Callable[[Any], bool] | None, deadline: float) -> Any:
        """Read frames until one is accepted or the deadline passes; others are unsolicited."""
        while True:
            waiting = self._port.in_waiting
            # Idle (no caller waiting), only what the line already holds is taken: a read that
            # waits for a byte would hold back a request queued meanwhile by up to READ_SLICE_S,
            # and the idle loop waits on the queue instead.
            data = self._port.read(waiting or 1) if waiting or accept is not None else b""
            now = time.monotonic()
            if data:
                self._last_rx = now
                frames = self._decoder.feed(data)
            elif now - self._last_rx >= IDLE_GAP_S and hasattr(self._decoder, "idle"):
                # A quiet line with bytes still buffered: a garbled length may be holding a
                # good frame back (docs/protocol-bridge.md, Resync).
                frames = self._decoder.idle()
            else:
                frames = []
            answer = None
            for frame in frames:
                # Frames after the answer in the same read (a board's event sent right
                # behind its reply) are not dropped: they go to the unsolicited callback.
                if answer is None and accept is not None and accept(frame):
                    answer = frame
                else:
                    self.on_unsolicited(frame)
            if answer is not None:
                return answer
            if time.monotonic() >= deadline:
                return None

    def _close(self) -> None:
        self._connected.clear()
        if self._port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._port.close()
            self._port = None

    def _fail_pending(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Exchange):
                item.future.set_exception(BusUnavailableError(f"{self.url} is not connected"))
