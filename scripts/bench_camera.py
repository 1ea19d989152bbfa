#!/usr/bin/env python3
"""Camera figures that need the whole kiosk: prints them, asserts nothing.

    .venv/bin/python scripts/bench_camera.py [--trials N] [--idle-seconds S]

- Scan to unlock: from the camera frame that shows a parcel's QR being handed out by the
  camera source, to the unlock frame arriving at the simulated Kerong board on a pty, through
  the grabber, motion gate, decoder, debouncer, dispatcher, use case, driver and pyserial.
- Idle CPU at 15 fps: the share of one core the scan loop takes while nothing moves in front
  of the camera, with the motion gate and without it.
- Peak memory of the scanning process (max RSS).
"""

from __future__ import annotations

import argparse
import os
import queue
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import qrcode

from locker.boards import kerong_protocol as kp
from locker.boards.in_memory import InMemoryBoard
from locker.boards.sim.bench import SimBench
from locker.boards.sim.kerong_sim import KerongSimulator
from locker.composition.hardware import start_hardware
from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.event_dispatch import EventDispatcher
from locker.scanner.camera_service import ScanLoop
from locker.scanner.decoding import FrameDecoder
from locker.scanner.grabber import FrameGrabber
from locker.scanner.motion import MotionGate
from locker.scanner.scan_events import Debouncer
from locker.services.accounts import add_courier
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml
from locker.store import SqliteStore

FPS = 15


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def scene(width: int = 1280, height: int = 720) -> np.ndarray:
    frame = np.full((height, width, 3), 90, dtype=np.uint8)
    cv2.rectangle(frame, (60, 60), (300, 240), (60, 60, 60), -1)
    return frame


def with_qr(text: str) -> np.ndarray:
    code = qrcode.QRCode(border=4)
    code.add_data(text)
    code.make(fit=True)
    gray = np.where(np.array(code.get_matrix(), dtype=bool), 0, 255).astype(np.uint8)
    gray = np.kron(gray, np.ones((6, 6), dtype=np.uint8))
    frame = scene()
    h, w = gray.shape
    frame[200 : 200 + h, 500 : 500 + w] = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    return frame


class PacedSource:
    """A live camera at 15 fps showing the idle scene, or the frame the bench hands it."""

    live = True

    def __init__(self) -> None:
        self.still = scene()
        self.next: queue.Queue[np.ndarray] = queue.Queue()
        self.shown_at: float | None = None
        self._due = time.monotonic()

    def read(self) -> np.ndarray:
        self._due += 1 / FPS
        time.sleep(max(0.0, self._due - time.monotonic()))
        try:
            frame = self.next.get_nowait()
            self.shown_at = time.perf_counter()
            self.still = frame
        except queue.Empty:
            pass
        return self.still

    def close(self) -> None:
        pass


class UnlockClock:
    """Wraps the simulated board: notes when an unlock command arrives on the wire."""

    def __init__(self, model: KerongSimulator) -> None:
        self.model = model
        self.decoder = kp.KerongDecoder()
        self.unlocked_at: float | None = None
        self.idle_tick_s = getattr(model, "idle_tick_s", None)

    def __call__(self, data: bytes) -> bytes:
        for frame in self.decoder.feed(data):
            if isinstance(frame, kp.Command) and frame.code == kp.CMD_UNLOCK:
                self.unlocked_at = time.perf_counter()
        reply: bytes = self.model(data)
        return reply


def scan_to_unlock(trials: int, tmp: Path) -> list[float]:
    db = tmp / "bench.db"
    store = SqliteStore(db)
    ctx = LockerContext(store=store, board=InMemoryBoard(), clock=Clock())
    init_locker(ctx, "BENCH-1", "Bench", "", "admin", "bench-password")
    layout = '[[bus]]\nname = "main"\n' + "".join(
        f'[[compartment]]\nlabel = "A{n + 1:02d}"\nsize = "S"\nboard = 0\nchannel = {n + 1}\n'
        for n in range(16)
    )
    load_layout(ctx, parse_layout_toml(layout), "bench")
    courier = add_courier(ctx, "SF Express", "Bench", "246813", "bench").id
    holder: dict[str, Any] = {}
    dispatcher = EventDispatcher(
        lambda: LockerContext(SqliteStore(db), holder["hw"].board, Clock(), ctx.rules)
    )
    wire = UnlockClock(KerongSimulator(boards=1))
    bench = SimBench(wire)
    bench.start()
    hardware = start_hardware(
        store.buses(),
        store.compartments(),
        dispatcher.post,
        simulators={"main": bench},
        poll_interval_s=0.05,
    )
    holder["hw"] = hardware
    dispatcher.start()
    ctx.board = hardware.board
    source = PacedSource()
    grabber = FrameGrabber(lambda: source, name="bench").start()
    loop = ScanLoop(grabber, FrameDecoder(), Debouncer(dispatcher.post), gate=MotionGate())
    loop.start()
    samples = []
    try:
        for i in range(trials):
            receipt = deposit_parcel(ctx, courier, f"SF{i:08d}", "13812345678", Size.S)
            address = store.compartment(receipt.compartment).address
            wire.model.close_door(address.board, address.channel)
            deadline = time.monotonic() + 10
            while store.compartment(receipt.compartment).state is not CompartmentState.OCCUPIED:
                if time.monotonic() > deadline:
                    raise SystemExit(f"trial {i}: the closed door was never reported")
                time.sleep(0.01)
            wire.unlocked_at = None
            source.next.put(with_qr(receipt.qr))
            deadline = time.monotonic() + 10
            while store.parcel(receipt.parcel.id).state is not ParcelState.COLLECTED:
                if time.monotonic() > deadline:
                    raise SystemExit(f"trial {i}: the scan did not open the door")
                time.sleep(0.005)
            assert wire.unlocked_at is not None and source.shown_at is not None
            samples.append((wire.unlocked_at - source.shown_at) * 1000)
            wire.model.close_door(address.board, address.channel)
            source.next.put(scene())
    finally:
        loop.stop()
        grabber.stop()
        dispatcher.stop()
        hardware.stop()
        store.close()
    return samples


def idle_cpu(seconds: float, gate: MotionGate | None) -> tuple[float, Any]:
    source = PacedSource()
    grabber = FrameGrabber(lambda: source, name="idle").start()
    loop = ScanLoop(grabber, FrameDecoder(), Debouncer(), gate=gate)
    loop.start()
    time.sleep(1.0)  # let the first decodes and the gate's baseline settle
    cpu0, wall0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    share = (time.process_time() - cpu0) / (time.monotonic() - wall0) * 100
    counters = loop.counters()
    loop.stop()
    grabber.stop()
    return share, counters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-camera-"))
    os.environ.setdefault("LOCKER_LOCK_DIR", str(tmp))
    samples = scan_to_unlock(args.trials, tmp)
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(
        f"scan to unlock (1280x720 frame -> unlock on the wire, 15 fps camera): "
        f"n={len(samples)} median {statistics.median(samples):.1f} ms  p99 {p99:.1f} ms"
    )
    for label, gate in (("motion gate on", MotionGate()), ("motion gate off", None)):
        share, counters = idle_cpu(args.idle_seconds, gate)
        print(
            f"idle CPU at {FPS} fps, 1280x720, {label}: {share:.1f}% of one core "
            f"(decoded {counters.decoded}, skipped {counters.skipped_motion})"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the scanning process: max RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
