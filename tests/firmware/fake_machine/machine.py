"""A stand-in for MicroPython's `machine` module, so main.py runs on the unix port."""

import time

# How long the main loop may run before the fake UART ends it (see run_main.py).
RUN_MS = 400
# Pin levels and every write to a pin, as (pin, level).
LEVELS = {}
WRITES = []
# Chunks of bytes from the host still to hand over, and the writes the board made.
INCOMING = []
SENT = []


class Pin:
    """GPIO levels kept in one dict; inputs read 0 (a reed contact closed to ground)."""

    IN = 0
    OUT = 1
    PULL_UP = 1

    def __init__(self, pin, mode=-1, pull=-1, value=None):
        self.pin = pin
        if value is not None:
            self.value(value)

    def value(self, level=None):
        if level is None:
            return LEVELS.get(self.pin, 0)
        LEVELS[self.pin] = level
        WRITES.append((self.pin, level))
        return None


class UART:
    """Hands over scripted host bytes, records what the board sends, and ends the run."""

    def __init__(self, uart_id, baudrate=9600, tx=None, rx=None, rxbuf=64):
        self.started = time.ticks_ms()

    def any(self):
        if time.ticks_diff(time.ticks_ms(), self.started) > RUN_MS:
            raise SystemExit(0)
        return len(INCOMING[0]) if INCOMING else 0

    def read(self, count):
        return INCOMING.pop(0)

    def write(self, data):
        SENT.append(bytes(data))

    def flush(self):
        pass


class WDT:
    """Counts feeds."""

    feeds = 0
    timeout = None

    def __init__(self, timeout=5000):
        WDT.timeout = timeout

    def feed(self):
        WDT.feeds += 1
