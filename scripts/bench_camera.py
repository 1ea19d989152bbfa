#!/usr/bin/env python3
"""Camera figures that need the whole kiosk: prints them, asserts nothing.

    .venv/bin/python scripts/bench_camera.py [--trials N] [--idle-seconds S]

- Scan to unlock: from the camera frame that shows a parcel's QR being handed out by the
  camera source, to the unlock frame arriving at the simulated Kerong board on a pty, through
  the grabber, motion gate, decoder, debouncer, dispatcher, use case, driver and pyserial,
  with the store's own pragmas (synchronous=FULL: every commit fsyncs its log). Each stage's
  median, p99 and share of the total are printed, from time stamps the bench takes by
  wrapping the parts it hands the pipeline (no hook in the locker's code).
- Kerong confirm: the unlock's round trip (command out, status reads until two agree) against
  the wire time of those bytes at the bus's baud rate plus the simulated board's reaction.
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
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
from locker.domain.models import Address, Size
from locker.domain.states import CompartmentState, ParcelState
from locker.event_dispatch import EventDispatcher
from locker.scanner.camera_service import ScanLoop
from locker.scanner.decode_spread import SpreadDecoder
from locker.scanner.grabber import FrameGrabber
from locker.scanner.motion import MotionGate
from locker.scanner.scan_events import Debouncer, ScanEvent
from locker.services.accounts import add_courier
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml
from locker.store import SqliteStore

FPS = 15
BAUD = 19200
BITS_PER_BYTE = 10  # start, eight data bits, stop
STAGES = (
    ("behind previous decode", "shown", "loop_free"),
    ("grabber", "loop_free", "handed"),
    ("motion gate", "handed", "gated"),
    ("decoder", "gated", "decoded"),
    ("debouncer", "decoded", "posted"),
    ("dispatcher queue", "posted", "dequeued"),
    ("use case", "dequeued", "open_called"),  # less the commits below
    ("journal commit (fsync)", None, None),
    ("bus thread", "open_called", "on_wire"),
)


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
        self.reactions: list[float] = []  # seconds the board model took per burst of bytes

    def __call__(self, data: bytes) -> bytes:
        arrived = time.perf_counter()
        for frame in self.decoder.feed(data):
            if isinstance(frame, kp.Command) and frame.code == kp.CMD_UNLOCK:
                self.unlocked_at = arrived
        reply: bytes = self.model(data)
        self.reactions.append(time.perf_counter() - arrived)
        return reply


class Marks:
    """One trial's time stamps (perf_counter seconds), taken by the wrappers below."""

    def __init__(self) -> None:
        self.qr: np.ndarray | None = None
        self.at: dict[str, float] = {}
        self.commits: list[tuple[float, float]] = []
        self.opens: list[tuple[float, float]] = []
        self.busy_until = 0.0  # when the decoder last finished a frame other than the QR's

    def reset(self, qr: np.ndarray | None) -> None:
        self.qr, self.at, self.commits, self.opens = qr, {}, [], []

    def note(self, name: str) -> None:
        self.at[name] = time.perf_counter()

    def note_frame(self, name: str, image: np.ndarray) -> None:
        # The last time before the scan is posted: a frame decoded twice counts its first try
        # in the stage before.
        if image is self.qr and "posted" not in self.at:
            self.note(name)


class MarkedGrabber:
    """The grabber as the scan loop sees it: notes when the QR frame is handed over."""

    def __init__(self, grabber: FrameGrabber, marks: Marks) -> None:
        self.grabber, self.marks = grabber, marks

    @property
    def latest(self) -> Any:
        return self.grabber.latest

    def wait_newer(self, after_seq: int, timeout_s: float) -> Any:
        frame = self.grabber.wait_newer(after_seq, timeout_s)
        if frame is not None:
            self.marks.note_frame("handed", frame.image)
        return frame


class MarkedGate(MotionGate):
    """The motion gate, noting when it has judged the QR frame."""

    def __init__(self, marks: Marks) -> None:
        super().__init__()
        self.marks = marks

    def should_decode(self, image: np.ndarray) -> bool:
        verdict = super().should_decode(image)
        self.marks.note_frame("gated", image)
        return verdict


class MarkedDecoder:
    """The kiosk's decoder (a budget per frame), noting when it has read the QR frame."""

    def __init__(self, marks: Marks) -> None:
        self.decoder, self.marks = SpreadDecoder(), marks

    @property
    def holding(self) -> bool:
        return self.decoder.holding

    def decode(self, frame: np.ndarray) -> Sequence[Any]:
        codes = self.decoder.decode(frame)
        self.marks.note_frame("decoded", frame)
        if frame is not self.marks.qr:
            self.marks.busy_until = time.perf_counter()
        return codes


class MarkedQueue(queue.Queue[object]):
    """The dispatcher's queue, noting when it hands out a scan."""

    def __init__(self, marks: Marks) -> None:
        super().__init__()
        self.marks = marks

    def get(self, block: bool = True, timeout: float | None = None) -> object:
        item = super().get(block, timeout)
        if isinstance(item, ScanEvent):
            self.marks.note("dequeued")
        return item


class MarkedStore(SqliteStore):
    """The dispatcher's store, timing each outermost COMMIT (with its fsync)."""

    def __init__(self, path: Path, marks: Marks) -> None:
        super().__init__(path)
        self.marks = marks

    @contextmanager
    def transaction(self) -> Iterator[None]:  # type: ignore[override]
        outer = not self.db.conn.in_transaction
        inner = super().transaction()
        inner.__enter__()
        try:
            yield
        except BaseException:
            if not inner.__exit__(*sys.exc_info()):
                raise
            return
        started = time.perf_counter()
        inner.__exit__(None, None, None)
        if outer:
            self.marks.commits.append((started, time.perf_counter()))


class MarkedBoard:
    """The board router as the use case sees it: notes each open, call to return."""

    def __init__(self, board: Any, marks: Marks) -> None:
        self.board, self.marks = board, marks

    def open(self, address: Address, timeout: float = 2.0) -> Any:
        called = time.perf_counter()
        self.marks.at.setdefault("open_called", called)
        outcome = self.board.open(address, timeout)
        self.marks.opens.append((called, time.perf_counter()))
        return outcome

    def __getattr__(self, name: str) -> Any:
        return getattr(self.board, name)


def scan_to_unlock(trials: int, tmp: Path) -> dict[str, Any]:
    db = tmp / "bench.db"
    store = SqliteStore(db)
    ctx = LockerContext(store=store, board=InMemoryBoard(), clock=Clock())
    init_locker(ctx, "BENCH-1", "Bench", "", "admin", "bench-password")
    layout = f'[[bus]]\nname = "main"\nbaud = {BAUD}\n' + "".join(
        f'[[compartment]]\nlabel = "A{n + 1:02d}"\nsize = "S"\nboard = 0\nchannel = {n + 1}\n'
        for n in range(16)
    )
    load_layout(ctx, parse_layout_toml(layout), "bench")
    courier = add_courier(ctx, "SF Express", "Bench", "246813", "bench").id
    marks = Marks()
    holder: dict[str, Any] = {}

    def dispatcher_context() -> LockerContext:
        holder["store"] = MarkedStore(db, marks)
        board = MarkedBoard(holder["hw"].board, marks)
        return LockerContext(holder["store"], board, Clock(), ctx.rules)

    dispatcher = EventDispatcher(dispatcher_context)
    dispatcher.events = MarkedQueue(marks)
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

    def post(event: ScanEvent) -> None:
        marks.note("posted")
        dispatcher.post(event)

    loop = ScanLoop(
        MarkedGrabber(grabber, marks),  # type: ignore[arg-type]
        MarkedDecoder(marks),
        Debouncer(post),
        gate=MarkedGate(marks),
    )
    loop.start()
    stages: dict[str, list[float]] = {name: [] for name, _, _ in STAGES}
    totals, from_loop, round_trips, reactions = [], [], [], []
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
            qr = with_qr(receipt.qr)
            marks.reset(qr)
            source.next.put(qr)
            deadline = time.monotonic() + 10
            while store.parcel(receipt.parcel.id).state is not ParcelState.COLLECTED:
                if time.monotonic() > deadline:
                    raise SystemExit(f"trial {i}: the scan did not open the door")
                time.sleep(0.005)
            assert wire.unlocked_at is not None and source.shown_at is not None
            at = dict(marks.at, shown=source.shown_at, on_wire=wire.unlocked_at)
            # A frame arriving while the loop decodes the one before waits for it to finish.
            at["loop_free"] = min(max(at["shown"], marks.busy_until), at["handed"])
            for name, start, end in STAGES:
                if start is not None and end is not None:
                    stages[name].append((at[end] - at[start]) * 1000)
            before_open = [
                (end - start) * 1000 for start, end in marks.commits if end <= at["open_called"]
            ]
            stages["journal commit (fsync)"].append(sum(before_open))
            stages["use case"][-1] -= sum(before_open)
            totals.append((at["on_wire"] - at["shown"]) * 1000)
            from_loop.append((at["on_wire"] - at["loop_free"]) * 1000)
            called, returned = marks.opens[0]
            round_trips.append((returned - called) * 1000)
            wire.model.close_door(address.board, address.channel)
            source.next.put(scene())
        reactions = [r * 1000 for r in wire.reactions]
        pragmas = {
            name: holder["store"].db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("synchronous", "journal_mode")
        }
    finally:
        loop.stop()
        grabber.stop()
        dispatcher.stop()
        hardware.stop()
        store.close()
    return {
        "stages": stages,
        "totals": totals,
        "from_loop": from_loop,
        "round_trips": round_trips,
        "reactions": reactions,
        "pragmas": pragmas,
        "db": db,
    }


def p99(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def report_scan_to_unlock(result: dict[str, Any]) -> None:
    synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[result["pragmas"]["synchronous"]]
    totals = result["totals"]
    print(
        f"store: {result['db']} (journal_mode={result['pragmas']['journal_mode']}, "
        f"synchronous={synchronous}, as locker.store.connection sets it)"
    )
    print(
        f"scan to unlock (1280x720 frame -> unlock on the wire, {FPS} fps camera, "
        f"Kerong at {BAUD} baud): n={len(totals)} median {statistics.median(totals):.1f} ms  "
        f"p99 {p99(totals):.1f} ms"
    )
    from_loop = result["from_loop"]
    print(
        f"  of which from the loop free to take the frame to the wire: "
        f"median {statistics.median(from_loop):.1f} ms  p99 {p99(from_loop):.1f} ms"
    )
    median_sum = sum(statistics.median(v) for v in result["stages"].values())
    print(f"  {'stage':<24} {'median ms':>10} {'p99 ms':>8} {'share':>7}")
    for name, samples in result["stages"].items():
        median = statistics.median(samples)
        print(
            f"  {name:<24} {median:>10.2f} {p99(samples):>8.2f} {median / median_sum * 100:>6.0f}%"
        )
    print(
        "  (share: of the sum of the stage medians; 'behind previous decode' is the QR frame\n"
        "   waiting for the loop to finish the frame before it, which held no code; the use\n"
        "   case excludes its commit, the claim journalled before the board is commanded)"
    )


def report_kerong(result: dict[str, Any]) -> None:
    board, channel = 0, 1
    reply = kp.encode_status_reply(board, 0, 0)
    sent = kp.unlock_frame(board, channel)
    wire_bytes = len(sent) + 2 * (len(kp.status_frame(board)) + len(reply))
    wire_ms = wire_bytes * BITS_PER_BYTE / BAUD * 1000
    reaction = statistics.median(result["reactions"])
    trips = result["round_trips"]
    print(
        f"kerong unlock round trip (unlock, then status reads until two agree): "
        f"median {statistics.median(trips):.1f} ms  p99 {p99(trips):.1f} ms over a pty "
        f"(no line delay)"
    )
    print(
        f"  wire time of its {wire_bytes} bytes at {BAUD} baud: {wire_ms:.1f} ms; "
        f"simulated board's reaction {reaction:.2f} ms a frame (x3); "
        f"budget 2x(wire + reaction) = {2 * (wire_ms + 3 * reaction):.1f} ms"
    )


def idle_cpu(seconds: float, gate: MotionGate | None) -> tuple[float, Any]:
    source = PacedSource()
    grabber = FrameGrabber(lambda: source, name="idle").start()
    loop = ScanLoop(grabber, SpreadDecoder(), Debouncer(), gate=gate)
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
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-camera-"))
    os.environ.setdefault("LOCKER_LOCK_DIR", str(tmp))
    result = scan_to_unlock(args.trials, tmp)
    report_scan_to_unlock(result)
    report_kerong(result)
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
