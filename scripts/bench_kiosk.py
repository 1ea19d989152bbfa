#!/usr/bin/env python3
"""The served kiosk's figures: page times under open streams, and the server's peak memory.

    .venv/bin/python scripts/bench_kiosk.py [--pages N] [--deposits N] [--streams N]

It starts `locker run --demo` as its own process on a new database (simulated Kerong bus on a
pty, synthetic camera, waitress), opens event streams and a camera preview that stay open the
whole time, as kiosk pages do, and then times the home page, a courier's deposit (the door
opens on the simulated board) and the admin's door log over HTTP. Memory is the server
process's own peak resident size (VmHWM), read from /proc. It prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKER = Path(sys.executable).with_name("locker")
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """One visitor: a cookie jar, and the CSRF token of the last page it read."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            page = response.read().decode("utf-8")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        self.token = found.group(1) if found else self.token
        return page

    def post(self, path: str, **form: str) -> str:
        data = urllib.parse.urlencode({**form, "csrf_token": self.token}).encode()
        with self.opener.open(self.base + path, data=data, timeout=10) as response:
            return response.read().decode("utf-8")


def hold_stream(url: str, stop: threading.Event) -> None:
    """An open page's event stream or camera preview: read it until told to stop."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            while not stop.is_set():
                response.read(4096)
    except (OSError, http.client.HTTPException):
        pass  # the server stopped at the end of the run


def memory_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+)", status).group(1)) for key in ("VmHWM", "VmRSS")}


def timed(action, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def row(name: str, times: list[float]) -> str:
    p99 = sorted(times)[max(0, int(len(times) * 0.99) - 1)]
    return f"| {name} | {len(times)} | {statistics.median(times):.1f} ms | {p99:.1f} ms |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="home page loads to time")
    parser.add_argument("--deposits", type=int, default=12, help="deposits to time")
    parser.add_argument("--streams", type=int, default=4, help="event streams held open")
    parser.add_argument("--previews", type=int, default=1, help="camera previews held open")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-kiosk-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
    log = (tmp / "kiosk.log").open("w+")
    server = subprocess.Popen(
        [str(LOCKER), "--db", str(tmp / "demo.db"), "run", "--demo", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the kiosk did not start:\n{log.name}") from None
                time.sleep(0.2)
        started = memory_kib(server.pid)
        log.seek(0)
        courier_id, pin = re.search(r"id (\d+)\s+PIN (\d+)", log.read()).groups()

        streams = [f"{base}/events"] * args.streams + [f"{base}/camera.mjpg"] * args.previews
        for url in streams:
            threading.Thread(target=hold_stream, args=(url, stop), daemon=True).start()
        time.sleep(1.0)

        visitor = Browser(base)
        home = timed(lambda: visitor.get("/"), args.pages)
        courier = Browser(base)
        courier.get("/courier/login")
        courier.post("/courier/login", courier_id=courier_id, pin=pin)
        courier.get("/courier/deposit")
        serial = iter(range(10_000))

        def deposit() -> None:
            page = courier.post(
                "/courier/deposit",
                tracking=f"BENCH{next(serial):06d}",
                phone="13812345678",
                size="auto",
            )
            if 'id="result"' not in page:
                raise SystemExit("a deposit was refused: the demo locker may be full")

        deposits = timed(deposit, args.deposits)
        admin = Browser(base)
        admin.get("/admin/login")
        admin.post("/admin/login", username="admin", password="locker-demo")
        door_log = timed(lambda: admin.get("/admin/doors"), 20)
        time.sleep(2.0)  # the camera preview keeps encoding while the streams stay open
        served = memory_kib(server.pid)
        cpu = Path(f"/proc/{server.pid}/stat").read_text().split()
        cpu_s = (int(cpu[13]) + int(cpu[14])) / os.sysconf("SC_CLK_TCK")
    finally:
        stop.set()
        server.terminate()
        server.wait(10)

    print(
        f"Kiosk: locker run --demo, waitress, {args.streams} event streams and "
        f"{args.previews} camera preview(s)"
    )
    print("held open throughout; times are over HTTP on 127.0.0.1.\n")
    print("| request | runs | median | p99 |")
    print("|---|---|---|---|")
    print(row("GET / (home)", home))
    print(row("POST /courier/deposit (door opens on the simulated board)", deposits))
    print(row("GET /admin/doors (door log)", door_log))
    print()
    print(f"server memory after start: {started['VmRSS'] / 1024:.0f} MB resident")
    print(f"server memory peak (VmHWM): {served['VmHWM'] / 1024:.0f} MB")
    print(f"server memory at the end: {served['VmRSS'] / 1024:.0f} MB resident")
    print(f"server CPU time: {cpu_s:.1f} s")


if __name__ == "__main__":
    main()
