#!/usr/bin/env python3
"""Unlock round trip over a real pty through pyserial: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_board.py [--unlocks N]

For each driver and baud rate it times `open()` from the unlock command being written to the
board's confirmation. A pty moves bytes instantly, so the simulated board holds each exchange
for the time its bytes would take on a real 8N1 line (10 bits a byte) at that baud rate: the
figures are the software's latency plus the wire time, without a real board's own latency.
The simulated bridge board skips its firmware's time forward, so its door "springs open" at
once; on a real board the reply waits for the door switch (about 30 ms debounce) as well.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from locker.boards.bus_drivers import connect_bus
from locker.boards.sim.bench import SimBench
from locker.boards.sim.bridge_sim import BridgeSimulator
from locker.boards.sim.kerong_sim import KerongSimulator
from locker.domain.layout import BusSpec


class WireTime:
    """A board model that answers only after its bytes would have crossed the line."""

    def __init__(self, model: Any, baud: int) -> None:
        self.model = model
        self.byte_s = 10 / baud
        self.idle_tick_s = getattr(model, "idle_tick_s", None)

    def __call__(self, data: bytes) -> bytes:
        reply: bytes = self.model(data)
        if data or reply:
            time.sleep((len(data) + len(reply)) * self.byte_s)
        return reply

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(name: str, model: Any, spec: BusSpec, close: Callable[[Any, int], None], n: int) -> None:
    with SimBench(WireTime(model, spec.baud)) as bench:
        connection = connect_bus(spec, bench.path)
        connection.bus.wait_connected(5)
        driver = connection.driver
        driver.status(0)  # opens the session / wakes the line
        samples, outcomes = [], set()
        for i in range(n):
            channel = i % 16 + 1
            started = time.perf_counter()
            outcomes.add(driver.open(0, channel).value)
            samples.append((time.perf_counter() - started) * 1000)
            close(model, channel)
        connection.bus.stop()
    print(
        f"{name:<32} {spec.baud:>6} baud  n={n:<4} median {statistics.median(samples):6.1f} ms"
        f"   p99 {percentile(samples, 0.99):6.1f} ms   outcomes {sorted(outcomes)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unlocks", type=int, default=200, help="unlocks per run")
    args = parser.parse_args()
    os.environ.setdefault("LOCKER_LOCK_DIR", tempfile.mkdtemp(prefix="bench-locks-"))
    for baud in (19200, 115200):
        run(
            "kerong (unlock + 2 status reads)",
            KerongSimulator(boards=1),
            BusSpec("k", "kerong", None, baud),
            lambda m, c: m.close_door(0, c),
            args.unlocks,
        )
    for baud in (19200, 115200):
        run(
            "bridge (unlock, 500 ms pulse)",
            BridgeSimulator(boards=1),
            BusSpec("b", "bridge", None, baud),
            lambda m, c: m.close_door(1, c),
            args.unlocks,
        )


if __name__ == "__main__":
    main()
