#!/usr/bin/env python3
"""Benchmark of the locker core on a real SQLite file: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_core.py [--parcels N] [--dir FOLDER]

Measures deposit and pickup latency through the real use cases (with the in-memory board, so
the figures are the software's share of scan-to-unlock), concurrent deposits from 16 threads,
audit-chain verification, and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from locker.boards.in_memory import InMemoryBoard
from locker.domain.models import Size
from locker.services.accounts import add_courier
from locker.services.audit_log import verify_audit
from locker.services.collect_parcel import collect_by_code, collect_by_qr
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.door_closed import door_closed
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml
from locker.store import SqliteStore


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def layout(doors: int) -> str:
    text = '[[bus]]\nname = "main"\n'
    for n in range(doors):
        board, channel = divmod(n, 16)
        text += (
            f'[[compartment]]\nlabel = "{chr(65 + n // 100)}{n % 100:02d}"\nsize = "S"\n'
            f"board = {board}\nchannel = {channel + 1}\n"
        )
    return text


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def row(name: str, samples_ms: list[float]) -> None:
    print(
        f"{name:<40} n={len(samples_ms):<5} median {statistics.median(samples_ms):7.2f} ms"
        f"   p99 {percentile(samples_ms, 0.99):7.2f} ms"
    )


def fresh_locker(path: Path, mode: str) -> tuple[LockerContext, SqliteStore, InMemoryBoard]:
    """A set-up locker of 240 small doors on a new file, its connection in `mode`."""
    board = InMemoryBoard()
    store = SqliteStore(path)
    store.db.execute(f"PRAGMA synchronous = {mode}")
    ctx = LockerContext(store=store, board=board, clock=Clock())
    init_locker(ctx, "BENCH-1", "Bench", "", "admin", "bench-password")
    load_layout(ctx, parse_layout_toml(layout(240)), "bench")
    return ctx, store, board


def deposits_and_pickups(
    ctx: LockerContext, store: SqliteStore, board: InMemoryBoard, n: int, mode: str
) -> None:
    """Time n deposits, then their pickups by QR and by code, and print the figures."""
    courier = add_courier(ctx, "SF Express", "Bench", "246813", "bench").id
    deposit_ms, receipts = [], []
    for i in range(n):
        start = time.perf_counter()
        receipt = deposit_parcel(ctx, courier, f"SF{i:08d}", "13812345678", Size.S)
        deposit_ms.append((time.perf_counter() - start) * 1000)
        board.close_door(store.compartment(receipt.compartment).address, True)
        door_closed(ctx, receipt.compartment, True)
        receipts.append(receipt)
    qr_ms, code_ms = [], []
    for i, receipt in enumerate(receipts):
        start = time.perf_counter()
        if i % 2:
            collect_by_qr(ctx, receipt.qr)
            qr_ms.append((time.perf_counter() - start) * 1000)
        else:
            collect_by_code(ctx, receipt.code)
            code_ms.append((time.perf_counter() - start) * 1000)
    row(f"deposit_parcel, {mode}", deposit_ms)
    row(f"collect_by_qr (scan to unlock), {mode}", qr_ms)
    row(f"collect_by_code (keypad), {mode}", code_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=200, help="parcels per run (max 240)")
    parser.add_argument(
        "--trace-memory", action="store_true", help="also trace the Python heap (slows timings)"
    )
    parser.add_argument(
        "--dir", help="where the database files go (default: the system's temporary folder)"
    )
    args = parser.parse_args()
    n = min(args.parcels, 240)
    if args.trace_memory:
        tracemalloc.start()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(f"SQLite {sqlite3.sqlite_version}, real files in WAL mode under {tmp}")
        # The locker runs with synchronous=FULL (every commit fsyncs the log); NORMAL is shown
        # beside it, on the same disk, for what a power cut's safety costs.
        for mode in ("NORMAL", "FULL"):
            ctx, store, board = fresh_locker(Path(tmp) / f"bench-{mode}.db", mode)
            deposits_and_pickups(ctx, store, board, n, mode)
            if mode == "NORMAL":
                store.close()
        records = sum(1 for _ in store.audit_records())
        start = time.perf_counter()
        count, broken = verify_audit(ctx)
        verify_s = time.perf_counter() - start
        print(
            f"{'audit verify':<40} {count} records in {verify_s * 1000:.1f} ms "
            f"({count / verify_s:,.0f} records/s), intact={broken is None}"
        )
        assert records == count
        store.close()

        # 16 couriers at once, each on its own connection, into a fresh locker.
        path2 = Path(tmp) / "race.db"
        with SqliteStore(path2) as s2:
            c2 = LockerContext(store=s2, board=InMemoryBoard(), clock=Clock())
            init_locker(c2, "BENCH-2", "Race", "", "admin", "bench-password")
            load_layout(c2, parse_layout_toml(layout(240)), "bench")
            courier2 = add_courier(c2, "SF Express", "Bench", "246813", "bench").id
        threads, per_thread, barrier = 16, 15, threading.Barrier(16)
        race_board = InMemoryBoard()

        def one(t: int) -> None:
            with SqliteStore(path2) as s:
                c = LockerContext(store=s, board=race_board, clock=Clock())
                barrier.wait()
                for k in range(per_thread):
                    deposit_parcel(c, courier2, f"JD{t:02d}{k:06d}", "13812345678", Size.S)

        workers = [threading.Thread(target=one, args=(t,)) for t in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
        total = threads * per_thread
        print(
            f"{'16 threads depositing at once':<40} {total} deposits in {elapsed:.2f} s "
            f"({total / elapsed:,.0f}/s), distinct doors: {len(set(race_board.opened))}"
        )

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    heap = ""
    if args.trace_memory:
        heap = f"Python heap peak {tracemalloc.get_traced_memory()[1] / 1e6:.1f} MB, "
    print(f"{'memory':<40} {heap}process max RSS {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
