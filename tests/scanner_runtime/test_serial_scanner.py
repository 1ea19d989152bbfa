"""The serial line scanner: line framing, and the reader over a real pty."""

from __future__ import annotations

import contextlib
import os
import tty
from collections.abc import Iterator
from typing import Any

import pytest
import serial
from hypothesis import given
from hypothesis import strategies as st

from locker.scanner.scan_events import Debouncer, ScanEvent
from locker.scanner.serial_scanner import LineFramer, SerialLineScanner, split_aim
from tests.scanner_runtime.support import wait_until


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        ([b"ABC\r"], [b"ABC"]),
        ([b"ABC\n"], [b"ABC"]),
        ([b"ABC\r\n"], [b"ABC"]),
        ([b"A", b"B", b"C\r", b"\n"], [b"ABC"]),  # CRLF split across reads
        ([b"ONE\rTWO\nTHREE\r\n"], [b"ONE", b"TWO", b"THREE"]),
        ([b"\r\n\r\nX\n\n"], [b"X"]),  # blank lines are not codes
        ([b"NO END"], []),
        ([b"01\x1d17\r"], [b"01\x1d17"]),  # GS1's group separator is kept
    ],
)
def test_lines_end_at_cr_lf_or_crlf(chunks: list[bytes], lines: list[bytes]) -> None:
    framer = LineFramer()
    assert [line for chunk in chunks for line in framer.feed(chunk)] == lines


def test_an_overlong_line_is_dropped_and_the_next_one_read() -> None:
    framer = LineFramer(max_line=8)
    assert framer.feed(b"0123456789ABCDEF\rGOOD\r") == [b"GOOD"]
    assert framer.overlong == 1


payloads = st.lists(
    st.binary(min_size=1, max_size=40).filter(lambda b: b"\r" not in b and b"\n" not in b),
    max_size=8,
)


@given(payloads, st.sampled_from([b"\r", b"\n", b"\r\n"]), st.integers(1, 7))
def test_any_split_of_the_stream_gives_the_same_lines(
    lines: list[bytes], end: bytes, step: int
) -> None:
    stream = b"".join(line + end for line in lines)
    framer = LineFramer()
    got = [out for i in range(0, len(stream), step) for out in framer.feed(stream[i : i + step])]
    assert got == lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("]Q1PICKUP-1", ("QR", "PICKUP-1")),
        ("]C0SF1234567890", ("CODE128", "SF1234567890")),
        ("]E04006381333931", ("EAN13", "4006381333931")),
        ("PICKUP-1", ("UNKNOWN", "PICKUP-1")),
        ("]X0RAW", ("UNKNOWN", "]X0RAW")),
    ],
)
def test_aim_identifiers(line: str, expected: tuple[str, str]) -> None:
    assert split_aim(line) == expected


class Pty:
    """A pseudo-terminal: the test writes to the master, the scanner opens the slave path."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no line discipline: CR stays CR
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):  # the test may have closed one already
                os.close(fd)


@pytest.fixture
def pty_pair() -> Iterator[Pty]:
    pair = Pty()
    yield pair
    pair.close()


def test_each_line_on_the_port_becomes_one_debounced_event(pty_pair: Pty) -> None:
    events: list[ScanEvent] = []
    scanner = SerialLineScanner(pty_pair.path, Debouncer(events.append), aim_ids=True).start()
    try:
        assert scanner.wait_connected(5)
        pty_pair.write(b"]Q1PICKUP-1\r\nSF12345")
        pty_pair.write(b"67890\n]Q1PICKUP-1\r")  # the same code again: no new event
        pty_pair.write("取件码 4417\r".encode())
        wait_until(lambda: scanner.lines == 4)
    finally:
        scanner.stop()
    assert [(e.text, e.symbology, e.source) for e in events] == [
        ("PICKUP-1", "QR", "serial"),
        ("SF1234567890", "UNKNOWN", "serial"),
        ("取件码 4417", "UNKNOWN", "serial"),
    ]
    assert not scanner.connected


def test_an_unplugged_scanner_is_reopened_with_back_off() -> None:
    first, second = Pty(), Pty()
    opened: list[str] = []
    refusals = 2

    def open_port(url: str, **kwargs: Any) -> Any:
        # The adapter comes back under another name after two refused attempts.
        nonlocal refusals
        if opened:
            if refusals:
                refusals -= 1
                raise serial.SerialException(f"could not open port {url}")
            url = second.path
        opened.append(url)
        return serial.serial_for_url(url, **kwargs)

    events: list[ScanEvent] = []
    scanner = SerialLineScanner(
        first.path, Debouncer(events.append), backoff_first_s=0.01, open_port=open_port
    ).start()
    try:
        assert scanner.wait_connected(5)
        first.write(b"BEFORE\r")
        wait_until(lambda: len(events) == 1)
        os.close(first.master)  # the USB adapter is pulled: reads fail with EIO
        wait_until(lambda: scanner.reconnects == 1 and scanner.connected)
        second.write(b"AFTER\r")
        wait_until(lambda: len(events) == 2)
    finally:
        scanner.stop()
        os.close(first.slave)
        second.close()
    assert [event.text for event in events] == ["BEFORE", "AFTER"]
    assert opened == [first.path, second.path]
    assert scanner.open_failures == 2
