#!/usr/bin/env python3
"""The carrier API under load, on a real centre: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_api.py [--clients 50] [--seconds 20] [--lockers 1000]

It starts `locker fleet serve --demo` (a Mosquitto, the centre on SQLite with its console and
API on waitress, and two `locker run --demo` lockers), adds a carrier, and gives the centre
`--lockers` more lockers with a retained state each. The per-carrier rate limit is raised for
the run, so that the figures are the server's and not the budget's.

- `GET /api/v1/lockers?limit=1000` and `POST /api/v1/parcels` (to a known, offline locker, so
  each answer is a stored `pending` pre-advice), each by `--clients` closed-loop clients on
  keep-alive connections for `--seconds`: requests a second, median and p99 latency, errors.
  The clients are threads of this process and share the machine's cores with the centre.
- Pre-advice to "ready at the locker": a pre-advice to DEMO-001, from the POST until the
  locker's own database holds the parcel as `expected`, and until the centre says `confirmed`;
  median over `--preadvices`, one at a time, with the broker up.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from locker.centre.store import CentreStore  # noqa: E402
from locker.store import SqliteStore  # noqa: E402
from tests.support.mosquitto import free_port  # noqa: E402

LOCKER = Path(sys.executable).with_name("locker")
LOGIN = re.compile(r"Operator login: demo / (\S+)")
CHILD = re.compile(r"Demo locker DEMO-00\d on http://127.0.0.1:(\d+)/")
OFFLINE_LOCKER = "BENCH-00000"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Client:
    """One keep-alive connection to the API with the carrier's token."""

    def __init__(self, port: int, token: str) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body) if body is not None else None
        try:
            self._connection.request(method, path, body=data, headers=self._headers)
            answer = self._connection.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException):
            self._connection.close()
            return 0, None
        return answer.status, json.loads(payload) if payload else None


def closed_loop(
    port: int, token: str, clients: int, seconds: float, request: Any
) -> tuple[float, list[float], int]:
    """(requests a second, latencies in ms, errors) for `clients` threads calling `request`."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def run(n: int) -> None:
        client = Client(port, token)
        start.wait()
        count = 0
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            status, _ = request(client, n, count)
            latencies[n].append((time.perf_counter() - began) * 1000)
            if not 200 <= status < 300:
                errors[n] += 1
            count += 1

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(seconds + 60)
    took = time.perf_counter() - began
    flat = [value for per in latencies for value in per]
    return len(flat) / took, flat, sum(errors)


def report(name: str, rate: float, latencies: list[float], errors: int) -> None:
    print(
        f"{name}: {rate:,.0f} requests/s, median {statistics.median(latencies):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, {errors} errors of {len(latencies):,}"
    )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--lockers", type=int, default=1000)
    parser.add_argument("--preadvices", type=int, default=20)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCKER_", "CENTRE_"))}
    env.update(CENTRE_PORT=str(port), CENTRE_API_RATE_LIMIT="1000000/second", CENTRE_THREADS="16")
    log = folder / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [str(LOCKER), "fleet", "serve", "--demo", "--demo-dir", str(folder / "demo")],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while len(CHILD.findall(log.read_text())) < 2:
            if time.monotonic() > deadline or serve.poll() is not None:
                raise SystemExit(f"the demo did not start:\n{log.read_text()}")
            time.sleep(0.2)
        db = f"sqlite:///{(folder / 'demo' / 'centre.db').resolve()}"
        token = subprocess.run(
            [str(LOCKER), "fleet", "carrier", "add", "Bench Post"],
            env={**env, "CENTRE_FLEET_DB": db},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

        store = CentreStore(db)
        state = {
            "free": {"S": 3, "M": 2, "L": 1, "XL": 0},
            "total": {"S": 10, "M": 6, "L": 3, "XL": 1},
            "held": {"S": 0, "M": 0, "L": 0, "XL": 0},
        }
        now = time.time()
        for n in range(args.lockers):
            locker_id = f"BENCH-{n:05d}"
            store.note_status(locker_id, n % 10 != 0, now)
            store.note_state(locker_id, {**state, "clock": now}, now)
        store.close()
        print(
            f"The centre: `locker fleet serve --demo` with {args.lockers:,} extra lockers; "
            f"{args.clients} client threads in this process share the 2 cores with it."
        )

        rate, latencies, errors = closed_loop(
            port,
            token,
            args.clients,
            args.seconds,
            lambda client, n, i: client.call("GET", "/api/v1/lockers?limit=1000"),
        )
        name = f"GET /lockers ({args.lockers + 2:,} lockers, 1,000 a page)"
        report(name, rate, latencies, errors)

        def preadvise(client: Client, n: int, i: int) -> tuple[int, Any]:
            return client.call(
                "POST",
                "/api/v1/parcels",
                {
                    "tracking": f"BP{n:03d}{i:07d}",
                    "locker": OFFLINE_LOCKER,
                    "phone": "13812345678",
                    "size": "S",
                    "expected_at": time.strftime(
                        "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 3600)
                    ),
                },
            )

        rate, latencies, errors = closed_loop(port, token, args.clients, args.seconds, preadvise)
        report("POST /parcels (stored pending, to an offline locker)", rate, latencies, errors)

        client = Client(port, token)
        locker_db = folder / "demo" / "DEMO-001.db"
        at_locker: list[float] = []
        confirmed: list[float] = []
        for n in range(args.preadvices):
            tracking = f"BR{n:010d}"
            began = time.perf_counter()
            status, body = client.call(
                "POST",
                "/api/v1/parcels",
                {
                    "tracking": tracking,
                    "locker": "DEMO-001",
                    "phone": "13812345678",
                    "size": "S",
                    "expected_at": time.strftime(
                        "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 3600)
                    ),
                },
            )
            if status != 202:
                raise SystemExit(f"pre-advice refused: {status} {body}")
            seen_at_locker = seen_confirmed = None
            while seen_at_locker is None or seen_confirmed is None:
                if time.perf_counter() - began > 30:
                    raise SystemExit(f"{tracking} was not confirmed within 30 s")
                if seen_at_locker is None:
                    with SqliteStore(locker_db) as locker:
                        if any(p.tracking == tracking for p in locker.parcels()):
                            seen_at_locker = time.perf_counter() - began
                if seen_confirmed is None:
                    _, shown = client.call("GET", f"/api/v1/parcels/{tracking}")
                    if shown and (shown.get("preadvice") or {}).get("state") == "confirmed":
                        seen_confirmed = time.perf_counter() - began
                time.sleep(0.005)
            at_locker.append(seen_at_locker * 1000)
            confirmed.append(seen_confirmed * 1000)
        print(
            f"Pre-advice to the locker's database ({args.preadvices}, broker up): median "
            f"{statistics.median(at_locker):.0f} ms, max {max(at_locker):.0f} ms; to `confirmed` "
            f"at the centre: median {statistics.median(confirmed):.0f} ms, "
            f"max {max(confirmed):.0f} ms"
        )
        print(f"The centre's peak RSS: {peak_rss_mb(serve.pid):.0f} MB")
    finally:
        serve.terminate()
        serve.wait(30)


if __name__ == "__main__":
    main()
