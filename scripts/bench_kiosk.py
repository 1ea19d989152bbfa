#!/usr/bin/env python3
"""The served kiosk's figures: page times under open streams, and the server's peak memory.

    .venv/bin/python scripts/bench_kiosk.py [--pages N] [--deposits N] [--streams N]
    .venv/bin/python scripts/bench_kiosk.py --open-loop 100 --seconds 60 [--profile FILE]
    .venv/bin/python scripts/bench_kiosk.py --clients 50 --seconds 60 [--profile FILE]

It starts `locker run --demo` as its own process on a new database (simulated Kerong bus on a
pty, synthetic camera, waitress), opens event streams and a camera preview that stay open the
whole time, as kiosk pages do, and then times the home page, a courier's deposit (the door
opens on the simulated board) and the admin's door log over HTTP. Memory is the server
process's own peak resident size (VmHWM), read from /proc. It prints; it asserts nothing.

Under load (`--open-loop RATE` or `--clients N`, with the same open streams) the requests are
spread in turn over the home page, the keypad and the admin's door log (logged in). A keypad
request posts the form a person sends: a code too short to be one (the keypad again, 400, which
spends no try of the keypad's budget), or, every other time, the last four digits of a phone
(the code page, 200), rotating so that no two are the same form. A post's 303 to its page is
followed, and the whole counts as one request. Open loop sends on a fixed schedule whatever the
answers, and times each request from its scheduled moment, so a queue in the server shows in the
figures instead of slowing the sender. `--profile FILE` runs the server under cProfile (each
request in its worker thread, in that thread's CPU time) and writes the summed statistics to
FILE at the end.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import http.cookiejar
import itertools
import os
import queue
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


def cpu_s(pid: int) -> float:
    """The process's user and system CPU time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


PROFILED_SERVER = "--serve-profiled"


def serve_profiled(out: str, args: list[str]) -> None:
    """Run `locker ARGS` with every request profiled in its own thread; write the sum to `out`."""
    import atexit
    import cProfile
    import pstats
    import signal

    import waitress

    from locker.cli.main import cli

    lock = threading.Lock()
    stats: list[pstats.Stats] = []

    def profiled(app):
        def wrapper(environ, start_response):
            # The thread's own CPU time: wall time would charge a function for the GIL it waits on.
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
            try:
                body = app(environ, start_response)
                # Streams are read after this; pages are already rendered into a list.
                return body if not isinstance(body, list) else list(body)
            finally:
                profile.disable()
                with lock:
                    if stats:
                        stats[0].add(profile)
                    else:
                        stats.append(pstats.Stats(profile))

        return wrapper

    create_server = waitress.create_server
    waitress.create_server = lambda app, **kw: create_server(profiled(app), **kw)

    def dump() -> None:
        with lock:
            if stats:
                stats[0].dump_stats(out)

    atexit.register(dump)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cli.main(args, prog_name="locker")


def start_server(tmp: Path, port: int, profile: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKER_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    locker_args = ["--db", str(tmp / "demo.db"), "run", "--demo", "--port", str(port)]
    if profile:
        command = [sys.executable, __file__, PROFILED_SERVER, profile, *locker_args]
    else:
        command = [str(LOCKER), *locker_args]
    log = (tmp / "kiosk.log").open("w+")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def wait_for(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the kiosk did not start:\n{log}") from None
            time.sleep(0.2)


class Link:
    """A kept-alive connection, which the clients of one sender take turns on."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None


class Client:
    """A browser's cookies and form token, over a kept-alive connection (cheap on the bench's CPU).

    The server takes only so many connections at once (waitress: 100), so each sender keeps one.
    """

    def __init__(self, link: Link, cookies: dict[str, str] | None = None) -> None:
        self.link = link
        self.cookies = dict(cookies or {})
        self.token = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        """(status, page), following a 303 as a browser does."""
        for _ in range(3):
            status, location, page = self._once(method, path, form)
            if status not in (302, 303) or not location:
                return status, page
            method, path, form = "GET", urllib.parse.urlsplit(location).path, None
        return status, page

    def _once(self, method: str, path: str, form: dict[str, str] | None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrf_token": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        link = self.link
        for attempt in (1, 2):
            if link.conn is None:
                link.conn = http.client.HTTPConnection("127.0.0.1", link.port, timeout=30)
            try:
                link.conn.request(method, path, body=body, headers=headers)
                response = link.conn.getresponse()
                page = response.read().decode("utf-8")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                link.conn.close()
                link.conn = None
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            link.conn.close()
            link.conn = None
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        self.token = found.group(1) if found else self.token
        return response.status, response.getheader("Location"), page


# What each kind of request must answer: its status and a mark on the page.
EXPECTED = {
    "home": (200, 'id="code-form"'),
    "keypad code": (400, 'id="code-form"'),
    "keypad phone": (200, 'id="phone-ending"'),
    "door log": (200, "<table"),
}


class Visitor:
    """A browser at the kiosk and the admin's logged-in screen, taking turns over the mix."""

    def __init__(self, port: int, admin_cookies: dict[str, str], digits: itertools.count) -> None:
        link = Link(port)
        self.kiosk = Client(link)
        self.admin = Client(link, admin_cookies)
        self.digits = digits
        self.kiosk.request("GET", "/")

    def send(self, kind: str) -> str | None:
        """Send one request of this kind; None if it answered as it should, else why not."""
        if kind == "home":
            status, page = self.kiosk.request("GET", "/")
        elif kind == "keypad code":
            # Too short to be a code: refused as badly typed, no try spent.
            status, page = self.kiosk.request("POST", "/pickup", {"code": str(next(self.digits))})
        elif kind == "keypad phone":
            ending = f"{next(self.digits) % 10_000:04d}"
            status, page = self.kiosk.request("POST", "/pickup/phone", {"phone_end": ending})
        else:
            status, page = self.admin.request("GET", "/admin/doors")
        want_status, mark = EXPECTED[kind]
        if status != want_status:
            return f"{kind}: HTTP {status}"
        if mark not in page:
            return f"{kind}: unexpected page"
        return None


MIX = ("home", "keypad code", "door log", "home", "keypad phone", "door log")


def admin_cookies(port: int) -> dict[str, str]:
    admin = Client(Link(port))
    admin.request("GET", "/admin/login")
    status, page = admin.request(
        "POST", "/admin/login", {"username": "admin", "password": "locker-demo"}
    )
    if "/admin/login" in page and 'name="password"' in page:
        raise SystemExit(f"the admin could not log in (HTTP {status})")
    return admin.cookies


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))]


class Tally:
    """Latencies and errors, from many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.by_kind: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter[str] = collections.Counter()

    def add(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.times.append(ms)
            self.by_kind[kind].append(ms)
            if error:
                self.errors[error] += 1


def attempt(visitor: Visitor, kind: str) -> str | None:
    try:
        return visitor.send(kind)
    except (OSError, http.client.HTTPException) as error:
        return f"{kind}: {type(error).__name__}"


def open_loop(port: int, cookies: dict[str, str], rate: float, seconds: float) -> Tally:
    """Send at `rate` per second on a fixed schedule; time each from its scheduled moment."""
    tally = Tally()
    due: queue.Queue[tuple[float, str] | None] = queue.Queue()
    digits = itertools.count(1)
    senders = min(48, max(8, int(rate) // 4))
    visitors = [Visitor(port, cookies, digits) for _ in range(senders)]

    def sender(visitor: Visitor) -> None:
        while (job := due.get()) is not None:
            scheduled, kind = job
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            error = attempt(visitor, kind)
            tally.add(kind, (time.perf_counter() - scheduled) * 1000, error)

    threads = [threading.Thread(target=sender, args=(v,), daemon=True) for v in visitors]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.5
    count = int(rate * seconds)
    for i in range(count):
        scheduled = start + i / rate
        # Hand each request over just before its moment; an idle sender takes it at once.
        pause = scheduled - 0.05 - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put((scheduled, MIX[i % len(MIX)]))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join(60)
    return tally


def closed_loop(port: int, cookies: dict[str, str], clients: int, seconds: float) -> Tally:
    """`clients` threads, each sending its next request when the last is answered."""
    tally = Tally()
    digits = itertools.count(1)
    visitors = [Visitor(port, cookies, digits) for _ in range(clients)]
    end = time.perf_counter() + seconds

    def client(visitor: Visitor, first: int) -> None:
        for i in itertools.count(first):
            sent = time.perf_counter()
            if sent >= end:
                return
            kind = MIX[i % len(MIX)]
            error = attempt(visitor, kind)
            tally.add(kind, (time.perf_counter() - sent) * 1000, error)

    threads = [
        threading.Thread(target=client, args=(v, n), daemon=True) for n, v in enumerate(visitors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    return tally


def print_load(title: str, tally: Tally, seconds: float, memory: dict[str, int]) -> None:
    print(title)
    print()
    print("| request | count | median | p95 | p99 |")
    print("|---|---|---|---|---|")
    for kind, times in [*sorted(tally.by_kind.items()), ("all", tally.times)]:
        print(
            f"| {kind} | {len(times)} | {statistics.median(times):.1f} ms | "
            f"{percentile(times, 0.95):.1f} ms | {percentile(times, 0.99):.1f} ms |"
        )
    print()
    print(f"requests answered per second: {len(tally.times) / seconds:.1f}")
    errors = sum(tally.errors.values())
    print(f"errors: {errors}" + "".join(f"\n  {n} x {why}" for why, n in tally.errors.items()))
    print(f"server memory peak (VmHWM): {memory['VmHWM'] / 1024:.0f} MB")


def under_load(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-kiosk-"))
    port = free_port()
    server = start_server(tmp, port, args.profile)
    stop = threading.Event()
    try:
        wait_for(f"http://127.0.0.1:{port}", server, tmp / "kiosk.log")
        streams = ["/events"] * args.streams + ["/camera.mjpg"] * args.previews
        for path in streams:
            url = f"http://127.0.0.1:{port}{path}"
            threading.Thread(target=hold_stream, args=(url, stop), daemon=True).start()
        time.sleep(1.0)
        cookies = admin_cookies(port)
        began, server_cpu, bench_cpu = time.perf_counter(), cpu_s(server.pid), time.process_time()
        if args.open_loop:
            tally = open_loop(port, cookies, args.open_loop, args.seconds)
        else:
            tally = closed_loop(port, cookies, args.clients, args.seconds)
        took = time.perf_counter() - began
        memory = memory_kib(server.pid)
        server_cpu = cpu_s(server.pid) - server_cpu
        bench_cpu = time.process_time() - bench_cpu
    finally:
        stop.set()
        server.terminate()
        server.wait(30)
    shape = f"{args.streams} event streams and {args.previews} camera preview(s) held open"
    if args.open_loop:
        title = (
            f"Kiosk, open loop: {args.open_loop:g} requests/s for {args.seconds:g} s ({shape}); "
            "times from each request's scheduled moment"
        )
        print_load(title, tally, args.seconds, memory)
    else:
        title = (
            f"Kiosk, closed loop: {args.clients} clients for {args.seconds:g} s ({shape}); "
            f"the clients run in this process and share the machine's {os.cpu_count()} cores "
            "with the server"
        )
        print_load(title, tally, took, memory)
    print(
        f"CPU during the run: server {server_cpu:.1f} s "
        f"({server_cpu / max(1, len(tally.times)) * 1000:.2f} ms a request), "
        f"this bench's clients {bench_cpu:.1f} s"
    )
    if args.profile:
        print(f"\nprofile of the server's requests: {args.profile}")
        import pstats

        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(30)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == PROFILED_SERVER:
        serve_profiled(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="home page loads to time")
    parser.add_argument("--deposits", type=int, default=12, help="deposits to time")
    parser.add_argument("--streams", type=int, default=4, help="event streams held open")
    parser.add_argument("--previews", type=int, default=1, help="camera previews held open")
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--open-loop", type=float, metavar="RATE", help="requests/s on a schedule")
    load.add_argument("--clients", type=int, help="closed-loop clients, each awaiting its answer")
    parser.add_argument("--seconds", type=float, default=60, help="length of a run under load")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the server's requests")
    args = parser.parse_args()
    if args.open_loop or args.clients:
        under_load(args)
        return

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
