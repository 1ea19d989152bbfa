"""Benchmark the kiosk decode pipeline against the anchors, on real photos and a synthetic set.

    .venv/bin/python scripts/bench_scan.py                 # default run, about 2 minutes
    .venv/bin/python scripts/bench_scan.py --per-condition 2  # quicker, fewer synthetic frames
    .venv/bin/python scripts/bench_scan.py --steps         # also: what each cascade step reads

Decoders: ours (`FrameDecoder()`), and the anchors: plain pyzbar on grayscale, OpenCV's
`QRCodeDetector.detectAndDecode`, and zxing-cpp with its defaults (text mode Plain, so that it
is judged on reading, not on text formatting). A frame counts as read when the expected text is
among the decoded texts, compared exactly. Prints figures, asserts nothing.

Real photos (../shared/data/qr) come in many sizes; besides their own size they are also placed,
centred and never upscaled, on a 640x480 and a 1280x720 canvas, as a camera frame would hold them.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from locker.scanner.decoding import FrameDecoder, to_gray  # noqa: E402
from locker.scanner.synthetic import CONDITIONS, kiosk_set  # noqa: E402

REAL_DIR = REPO.parent / "shared" / "data" / "qr"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
CANVASES = ((640, 480), (1280, 720))

Reader = Callable[[np.ndarray], list[str]]


@dataclass
class Frame:
    """One benchmark frame: where it came from, its pixels, the text it must give."""

    set_name: str
    size: str  # "native", "640x480", "1280x720"
    label: str  # file name or synthetic condition
    image: np.ndarray
    expected: str


def real_items(root: Path) -> list[tuple[str, np.ndarray, str]]:
    """(name, BGR image, expected text) for every photo with an `N.txt` beside it."""
    items = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        expected_file = path.with_suffix(".txt")
        if not expected_file.exists():
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            print(f"  cannot read {path}", file=sys.stderr)
            continue
        # Bytes, not read_text(): universal newlines would turn the payloads' CRLF into LF.
        expected = expected_file.read_bytes().decode("utf-8")
        items.append((str(path.relative_to(root)), image, expected))
    return items


def on_canvas(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` centred on a light camera-sized canvas, shrunk only if too big."""
    width, height = size
    h, w = image.shape[:2]
    factor = min(1.0, width / w, height / h)
    if factor < 1.0:
        image = cv2.resize(image, (int(w * factor), int(h * factor)), interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
    # A light surround, as paper or a lit phone screen gives: several clean codes in the set have
    # no quiet zone of their own, and a dark surround would make them unreadable to any decoder.
    canvas = np.full((height, width, 3), 235, np.uint8)
    top, left = (height - h) // 2, (width - w) // 2
    canvas[top : top + h, left : left + w] = image
    return canvas


def readers() -> dict[str, Reader]:
    """Ours and the three anchors, each taking a BGR frame."""
    import zxingcpp
    from pyzbar import pyzbar

    ours = FrameDecoder()
    detector = cv2.QRCodeDetector()

    def read_ours(frame: np.ndarray) -> list[str]:
        return [code.text for code in ours.decode(frame)]

    def read_pyzbar(frame: np.ndarray) -> list[str]:
        gray = to_gray(frame)
        return [s.data.decode("utf-8", errors="replace") for s in pyzbar.decode(gray)]

    def read_opencv(frame: np.ndarray) -> list[str]:
        try:
            text, _, _ = detector.detectAndDecode(to_gray(frame))
        except (cv2.error, UnicodeDecodeError):  # non-UTF-8 payloads raise in the bindings
            return []
        return [text] if text else []

    def read_zxing(frame: np.ndarray) -> list[str]:
        found = zxingcpp.read_barcodes(to_gray(frame), text_mode=zxingcpp.TextMode.Plain)
        return [b.text for b in found]

    return {"ours": read_ours, "pyzbar": read_pyzbar, "opencv": read_opencv, "zxing": read_zxing}


def run(frames: list[Frame], reader: Reader) -> list[tuple[bool, float]]:
    """(read, ms) per frame."""
    out = []
    for frame in frames:
        started = time.perf_counter()
        texts = reader(frame.image)
        out.append((frame.expected in texts, (time.perf_counter() - started) * 1000))
    return out


def p95(values: list[float]) -> float:
    """95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def print_table(
    title: str, frames: list[Frame], results: dict[str, list[tuple[bool, float]]]
) -> None:
    """One row per decoder, one column group per frame size: read rate, median ms, p95 ms."""
    sizes = list(dict.fromkeys(f.size for f in frames))
    print(f"\n{title}")
    header = f"{'decoder':<8}" + "".join(
        f" | {s + ' read':>18} {'med ms':>7} {'p95 ms':>7}" for s in sizes
    )
    print(header)
    print("-" * len(header))
    for name, res in results.items():
        row = f"{name:<8}"
        for size in sizes:
            picked = [r for f, r in zip(frames, res, strict=True) if f.size == size]
            read = sum(ok for ok, _ in picked)
            ms = [t for _, t in picked]
            rate = f"{read}/{len(picked)} {100 * read / len(picked):5.1f}%"
            row += f" | {rate:>18} {statistics.median(ms):7.1f} {p95(ms):7.1f}"
        print(row)


def print_conditions(frames: list[Frame], results: dict[str, list[tuple[bool, float]]]) -> None:
    """Synthetic read rate per condition, both frame sizes together."""
    print("\nsynthetic set, read rate per condition (both frame sizes)")
    names = list(results)
    print(f"{'condition':<12} {'n':>3}" + "".join(f" {n:>7}" for n in names))
    for condition in CONDITIONS:
        idx = [i for i, f in enumerate(frames) if f.label == condition]
        if not idx:
            continue
        cells = "".join(
            f" {100 * sum(results[n][i][0] for i in idx) / len(idx):6.0f}%" for n in names
        )
        print(f"{condition:<12} {len(idx):>3}{cells}")


def print_steps(title: str, frames: list[Frame]) -> None:
    """Which cascade step read each frame, and what each step reads on its own."""
    decoder = FrameDecoder()
    first: Counter[str] = Counter()
    for frame in frames:
        trace = decoder.decode_traced(frame.image)
        read = any(c.text == frame.expected for c in trace.codes)
        first[trace.step if read else ("(wrong text)" if trace.step else "(nothing)")] += 1
    print(f"\n{title}: frames first read by each cascade step, and each step alone")
    print(f"{'step':<22} {'first':>6} {'alone':>6} {'alone ms med':>13}")
    for stage, engine in decoder.steps:
        single = FrameDecoder(engines=(engine,), cascade=((stage, engine),))
        single.steps = ((stage, engine),)
        ok, times = 0, []
        for frame in frames:
            started = time.perf_counter()
            codes = single.decode(frame.image)
            times.append((time.perf_counter() - started) * 1000)
            ok += any(c.text == frame.expected for c in codes)
        name = f"{stage}/{engine}"
        print(f"{name:<22} {first[name]:>6} {ok:>6} {statistics.median(times):13.1f}")
    for other in ("(wrong text)", "(nothing)"):
        print(f"{other:<22} {first[other]:>6}")


def peak_memory(frames: Iterable[Frame]) -> tuple[float, float]:
    """(tracemalloc peak MiB of Python/numpy allocations while decoding, process max RSS MiB)."""
    decoder = FrameDecoder()
    gc.collect()
    tracemalloc.start()
    for frame in frames:
        decoder.decode(frame.image)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20, rss_kib / 1024


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, build both sets, print the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--per-condition", type=int, default=6, help="synthetic frames per condition and size"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real-dir", type=Path, default=REAL_DIR)
    parser.add_argument(
        "--no-canvas", action="store_true", help="real photos at their own size only"
    )
    parser.add_argument("--steps", action="store_true", help="print what each cascade step reads")
    parser.add_argument("--only", nargs="*", default=None, help="decoders to run (default: all)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    all_readers = readers()
    chosen = {k: v for k, v in all_readers.items() if args.only is None or k in args.only}

    real: list[Frame] = []
    if args.real_dir.is_dir():
        for name, image, expected in real_items(args.real_dir):
            real.append(Frame("real", "native", name, image, expected))
            if not args.no_canvas:
                for size in CANVASES:
                    real.append(
                        Frame(
                            "real", f"{size[0]}x{size[1]}", name, on_canvas(image, size), expected
                        )
                    )
    else:
        print(f"no real photos: {args.real_dir} is absent")
    synthetic = [
        Frame("synthetic", f"{s.size[0]}x{s.size[1]}", s.condition, s.image, s.expected)
        for s in kiosk_set(args.per_condition, seed=args.seed)
    ]

    for title, frames in (
        ("real photos, " + str(args.real_dir), real),
        ("synthetic kiosk set", synthetic),
    ):
        if not frames:
            continue
        results = {name: run(frames, reader) for name, reader in chosen.items()}
        print_table(f"{title}: {len(frames)} frames", frames, results)
        if frames is synthetic:
            print_conditions(frames, results)
        if args.steps:
            print_steps(title, frames)

    hd = [f for f in synthetic if f.size == "1280x720"][: 4 * len(CONDITIONS)]
    traced, rss = peak_memory(hd)
    print(
        f"\npipeline peak memory over {len(hd)} 1280x720 frames: {traced:.1f} MiB traced "
        f"(Python and numpy); process max RSS {rss:.0f} MiB, benchmark frames included"
    )
    print(f"total run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
