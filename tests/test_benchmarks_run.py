"""Each benchmark still runs to its figures against today's code, on the smallest run it allows.

A benchmark is not part of the suite's behaviour, so nothing else notices when a change to the
code it drives stops it at start; its figures are only quoted from a run. The times it prints
are not checked here, only that it prints them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

# The benchmarks that need no broker nor database server, each with a tiny run and a line of
# the figures it must print.
RUNS = {
    "bench_board.py": (["--unlocks", "2"], "kerong (unlock + 2 status reads)"),
    "bench_core.py": (["--parcels", "5"], "collect_by_qr (scan to unlock), FULL"),
    "bench_camera.py": (["--trials", "3", "--idle-seconds", "0.5"], "scan to unlock (1280x720"),
    "bench_scan.py": (
        ["--per-condition", "1", "--no-real", "--moving-clips", "1", "--sizes", "640x480"],
        "moving clips, seed 0",
    ),
    "bench_kiosk.py": (
        ["--pages", "5", "--deposits", "1", "--streams", "1"],
        "POST /courier/deposit (door opens on the simulated board)",
    ),
    "bench_notify.py": (["--parcels", "2", "--queued", "2"], "delivered and recorded in"),
}


@pytest.mark.parametrize("script", sorted(RUNS))
def test_the_benchmark_runs_to_its_figures(script: str, tmp_path: Path) -> None:
    arguments, figure = RUNS[script]
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert figure in done.stdout
