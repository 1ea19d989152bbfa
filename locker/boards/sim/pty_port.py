"""A pseudo-terminal that a host opens like a serial port, with a simulated board behind it.

The host opens `path`, a symlink to the current /dev/pts/N, with pyserial exactly as it would
open /dev/ttyUSB0. Unplugging closes the pty (the host's next read or write fails with EIO);
replugging makes a new one and repoints the symlink, so the host reopens the same path.
"""

from __future__ import annotations

import errno
import logging
import os
import selectors
import shutil
import tempfile
import termios
import tty
from pathlib import Path

from locker.boards.sim.faults import Handler
from locker.boards.sim.sim_port import SimPort
from locker.boards.sim.waker import ServeThread

log = logging.getLogger(__name__)

READ_SIZE = 4096
# A real UART loses what nobody reads; a pty would block the board's thread instead, so a
# reply that cannot be written within this time is dropped.
WRITE_TIMEOUT_S = 1.0


class PtyPort(SimPort):
    """One pty and one reader thread that feeds received bytes to `handler` and writes back."""

    def __init__(
        self,
        handler: Handler,
        *,
        name: str = "ttySIM0",
        baudrate: int | None = None,
        idle_tick_s: float | None = None,
    ) -> None:
        super().__init__()
        self._handler = handler
        # Boards with a main loop of their own (timers, events, a watchdog) need running while
        # the host is silent: after this long without bytes the handler gets b"".
        self._idle_tick_s = idle_tick_s
        # With a baud rate set, bytes sent while the host's line speed differs are ignored,
        # as a real board hears only noise from a host at the wrong speed.
        self._speed = _termios_speed(baudrate)
        # Made last, so a refused argument leaves no directory behind; stop() removes it.
        self._dir = Path(tempfile.mkdtemp(prefix="locker-sim-"))
        self.path = str(self._dir / name)
        self._fds: tuple[int, int] | None = None
        self._thread: ServeThread | None = None
        self.ignored = 0
        self.lost = 0

    @property
    def plugged(self) -> bool:
        """Whether a pty is open behind `path`."""
        return self._fds is not None

    def stop(self) -> None:
        """Close the pty and remove `path` and its directory."""
        with self._lock:
            self._unplug()
            shutil.rmtree(self._dir, ignore_errors=True)

    def _plug(self) -> None:
        master, slave = os.openpty()
        # Raw both ways: no echo, no CR/LF translation, no ^C or ^S among the bytes.
        tty.setraw(master)
        tty.setraw(slave)
        if self._speed is not None:
            attributes = termios.tcgetattr(slave)
            attributes[4] = attributes[5] = self._speed
            termios.tcsetattr(slave, termios.TCSANOW, attributes)
        os.set_blocking(master, False)
        link = self.path + ".new"
        os.symlink(os.ttyname(slave), link)
        os.replace(link, self.path)  # atomic, so the host never sees a missing path on replug
        # The slave stays open here: with no slave open, a read on the master fails with EIO.
        self._fds = (master, slave)
        self._thread = ServeThread(
            f"pty {self.path}", lambda wake: self._serve(wake, master, slave)
        )

    def _unplug(self) -> None:
        if self._fds is None:
            return
        Path(self.path).unlink(missing_ok=True)
        assert self._thread is not None
        self._thread.stop()
        for fd in self._fds:
            os.close(fd)
        self._fds = None
        self._thread = None

    def _serve(self, wake: int, master: int, slave: int) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(wake, selectors.EVENT_READ)
            selector.register(master, selectors.EVENT_READ)
            while True:
                ready = {key.fd for key, _ in selector.select(self._idle_tick_s)}
                if wake in ready:
                    return
                if not ready:
                    self._answer(wake, master, b"")
                    continue
                try:
                    data = os.read(master, READ_SIZE)
                except BlockingIOError:
                    continue
                except OSError as error:
                    log.warning("pty %s: read failed: %s", self.path, error)
                    return
                if self._speed is not None and not self._speed_matches(slave):
                    self.ignored += len(data)
                    continue
                self._answer(wake, master, data)

    def _answer(self, wake: int, master: int, data: bytes) -> None:
        try:
            reply = self._handler(data)
        except Exception:
            # A bug in a board model must show in the log, not kill the bus.
            log.exception("pty %s: handler failed on %s", self.path, data.hex(" "))
            return
        if reply:
            self._write(wake, master, reply)

    def _speed_matches(self, slave: int) -> bool:
        attributes = termios.tcgetattr(slave)
        return bool(attributes[4] == self._speed and attributes[5] == self._speed)

    def _write(self, wake: int, master: int, data: bytes) -> None:
        view = memoryview(data)
        with selectors.DefaultSelector() as selector:
            selector.register(wake, selectors.EVENT_READ)
            selector.register(master, selectors.EVENT_WRITE)
            while view:
                ready = {key.fd for key, _ in selector.select(WRITE_TIMEOUT_S)}
                if not ready and self._fds is not None:
                    # The host's queue is full: nobody is reading, and a wire would lose these.
                    termios.tcflush(self._fds[1], termios.TCIFLUSH)
                if not ready or wake in ready:
                    self.lost += len(view)
                    return
                try:
                    view = view[os.write(master, view) :]
                except BlockingIOError:
                    continue
                except OSError as error:
                    if error.errno != errno.EIO:
                        log.warning("pty %s: write failed: %s", self.path, error)
                    self.lost += len(view)
                    return


def _termios_speed(baudrate: int | None) -> int | None:
    if baudrate is None:
        return None
    speed = getattr(termios, f"B{baudrate}", None)
    if speed is None:
        raise ValueError(f"a pty cannot check a line speed of {baudrate} baud")
    return int(speed)
