"""A dedicated 2D scanner module on a serial port: one code per line.

`LineFramer` is pure: bytes in, whole lines out, terminated by CR, LF or CRLF. The
`SerialLineScanner` thread owns the port, feeds the framer and offers each line to the same
Debouncer the camera uses. When the port goes away (SerialException, EIO on an unplugged USB
adapter) it reopens it with back-off.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import serial

from locker.scanner.scan_events import Debouncer

log = logging.getLogger(__name__)

# How long one read may block, so that stop() is seen promptly.
READ_SLICE_S = 0.1
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 5.0
# No code we accept is longer; a scanner streaming garbage without newlines cannot grow memory.
MAX_LINE_BYTES = 4096
SYMBOLOGY_UNKNOWN = "UNKNOWN"
# AIM symbology identifiers ("]" + code character + modifier) that scanners can be set to
# prefix, from ISO/IEC 15424 table 1; only the ones a locker meets.
AIM_SYMBOLOGIES = {
    "Q": "QR",
    "C": "CODE128",
    "E": "EAN13",
    "A": "CODE39",
    "d": "DATAMATRIX",
    "z": "AZTEC",
    "L": "PDF417",
}


class LineFramer:
    """Splits a byte stream into lines; CR, LF and CRLF all end a line; empty lines vanish."""

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self.max_line = max_line
        self._buffer = bytearray()
        self._overflowed = False
        self.overlong = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Whole lines completed by `data`, without their terminators."""
        lines: list[bytes] = []
        for byte in data:
            if byte in (0x0D, 0x0A):
                # CRLF is a CR ending the line and an LF ending an empty one, which is dropped.
                if self._buffer and not self._overflowed:
                    lines.append(bytes(self._buffer))
                self._buffer.clear()
                self._overflowed = False
            elif len(self._buffer) < self.max_line:
                self._buffer.append(byte)
            elif not self._overflowed:
                self._overflowed = True
                self.overlong += 1
        return lines


def split_aim(line: str) -> tuple[str, str]:
    """(symbology, payload) of a line that may start with an AIM identifier such as ']Q1'."""
    if len(line) >= 3 and line[0] == "]" and line[1] in AIM_SYMBOLOGIES:
        return AIM_SYMBOLOGIES[line[1]], line[3:]
    return SYMBOLOGY_UNKNOWN, line


class SerialLineScanner:
    """Owns one pyserial URL (a device path, a pty or socket://host:port) on one thread."""

    def __init__(
        self,
        url: str,
        debouncer: Debouncer,
        *,
        baudrate: int = 9600,
        source: str = "serial",
        aim_ids: bool = False,
        encoding: str = "utf-8",
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        open_port: Callable[..., Any] = serial.serial_for_url,
    ) -> None:
        self.url = url
        self.debouncer = debouncer
        self.baudrate = baudrate
        self.source = source
        self.aim_ids = aim_ids
        self.encoding = encoding
        self.backoff_first_s = backoff_first_s
        self.backoff_max_s = backoff_max_s
        self._open_port = open_port
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self.lines = 0
        self.reconnects = 0
        self.open_failures = 0
        self.last_error: str | None = None

    def start(self) -> SerialLineScanner:
        """Start the reader thread; it opens the port itself."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop the thread and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def connected(self) -> bool:
        """True while the port is open."""
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        """Wait until the port is open."""
        return self._connected.wait(timeout_s)

    def _run(self) -> None:
        backoff = self.backoff_first_s
        opened_before = False
        while not self._stop.is_set():
            try:
                port = self._open_port(self.url, baudrate=self.baudrate, timeout=READ_SLICE_S)
            except (serial.SerialException, OSError, ValueError) as error:
                self.open_failures += 1
                self.last_error = str(error)
                log.debug("cannot open %s yet: %s; retry in %.2f s", self.url, error, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max_s)
                continue
            if opened_before:
                self.reconnects += 1
            opened_before = True
            backoff = self.backoff_first_s
            self._connected.set()
            try:
                self._read_lines(port)
            except (serial.SerialException, OSError) as error:
                self.last_error = str(error)
                log.warning("lost scanner %s: %s; reconnecting", self.url, error)
                # Wait before reopening, as a port that fails at once would otherwise spin.
                self._stop.wait(backoff)
            finally:
                self._connected.clear()
                with contextlib.suppress(Exception):
                    port.close()

    def _read_lines(self, port: Any) -> None:
        framer = LineFramer()
        while not self._stop.is_set():
            data = port.read(max(1, port.in_waiting))
            for raw in framer.feed(data):
                self._offer(raw.decode(self.encoding, errors="replace"))

    def _offer(self, line: str) -> None:
        self.lines += 1
        symbology, text = split_aim(line) if self.aim_ids else (SYMBOLOGY_UNKNOWN, line)
        if text:
            self.debouncer.offer(text, symbology, self.source)
