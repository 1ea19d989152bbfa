"""The process `locker run` serves the kiosk from: what it loads and how its heap is kept."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from locker.boards.detached import DetachedBoard
from locker.cli.main import cli
from locker.composition import fix_mmap_threshold, limit_malloc_arenas
from locker.services.context import LockerContext
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml
from locker.store import SqliteStore
from tests.boards.test_sim_board_cli import SimProcess
from tests.support.layouts import SMALL_LAYOUT

ROOT = Path(__file__).resolve().parents[2]
# The centre's store, its API and their validation: tens of megabytes resident for nothing.
CENTRE_LIBRARIES = ("sqlalchemy", "apiflask", "pydantic", "marshmallow", "flask_limiter")
# The camera's decoders and its preview's encoder: about 21 MB that a locker without one never uses.
CAMERA_LIBRARIES = ("cv2", "zxingcpp", "pyzbar")

# `locker run --demo` up to the moment it would serve, then the names of every loaded module,
# and glibc's account of its malloc arenas (on standard error), with the locker's threads running.
SERVE_AND_LIST = """
import ctypes
import sys

import waitress

class Listed:
    def run(self):
        print(" ".join(sorted(sys.modules)))
        sys.stdout.flush()
        ctypes.CDLL(None).malloc_stats()

waitress.create_server = lambda app, **options: Listed()
from locker.cli.main import cli
from locker.composition import limit_malloc_arenas

cli.main(sys.argv[1:], prog_name="locker")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_demo(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`locker run --demo` in a process of its own, stopped where it would start serving."""
    return serve(["--db", str(tmp_path / "demo.db"), "run", "--demo", "--port", str(free_port())])


def serve(args: list[str], **env_vars: str) -> subprocess.CompletedProcess[str]:
    """`locker <args>` in a process of its own, stopped where it would start serving."""
    return python_script(SERVE_AND_LIST, *args, **env_vars)


def python_script(script: str, *args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """`script` run by this Python in a process of its own, with malloc's own defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")} | env_vars
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=80,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.timeout(90)
def test_the_served_kiosk_loads_none_of_the_centres_libraries(tmp_path, lock_dir):
    loaded = set(serve_demo(tmp_path).stdout.split())
    assert "locker.web.kiosk" in loaded and "waitress" in loaded  # it did get as far as serving
    assert not {m for m in loaded if m.split(".")[0] in CENTRE_LIBRARIES}
    assert not {m for m in loaded if m.startswith("locker.centre")}


@pytest.mark.timeout(90)
def test_a_locker_without_a_camera_loads_none_of_the_camera_libraries(tmp_path, lock_dir):
    sim = SimProcess("--driver", "kerong", "--boards", "2")
    try:
        layout = SMALL_LAYOUT.replace('name = "main"', f'name = "main"\nport = "{sim.line()}"')
        db = tmp_path / "locker.db"
        with SqliteStore(db) as store:
            ctx = LockerContext(store, DetachedBoard())
            init_locker(ctx, "NOCAM-01", "No camera", "", "admin", "correct-horse")
            load_layout(ctx, parse_layout_toml(layout), "test")
        args = ["--db", str(db), "run", "--port", str(free_port())]
        loaded = set(serve(args, LOCKER_LOCK_DIR=str(lock_dir)).stdout.split())
    finally:
        sim.stop()
    assert "locker.web.kiosk" in loaded and "locker.boards.kerong_driver" in loaded
    assert not {m for m in loaded if m.split(".")[0] in CAMERA_LIBRARIES}


def test_the_demo_loads_the_camera_it_shows(tmp_path, lock_dir):
    loaded = set(serve_demo(tmp_path).stdout.split())
    assert {"cv2", "zxingcpp"} <= loaded


@pytest.mark.timeout(90)
def test_a_locker_without_a_broker_loads_no_mqtt_client(tmp_path, lock_dir):
    loaded = set(serve_demo(tmp_path).stdout.split())
    assert "locker.web.kiosk" in loaded
    assert not {m for m in loaded if m.split(".")[0] == "paho" or m == "locker.uplink.uplink"}


def test_the_fleet_commands_are_there_when_asked_for():
    result = CliRunner().invoke(cli, ["fleet", "--help"])
    assert result.exit_code == 0, result.output
    for command in ("carrier", "courier", "keygen", "operator", "serve"):
        assert command in result.output
    assert "fleet" in CliRunner().invoke(cli, ["--help"]).output


@pytest.mark.timeout(90)
def test_the_served_kiosks_threads_share_two_malloc_arenas(tmp_path, lock_dir):
    # The boards, dispatcher, workers and camera are running; each would keep an arena of its own.
    arenas = re.findall(r"^Arena \d+:", serve_demo(tmp_path).stderr, re.M)
    assert 1 <= len(arenas) <= 2


def test_an_arena_limit_in_the_environment_is_left_to_rule(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")  # as the systemd unit sets it
    assert limit_malloc_arenas() is False


# A block freed after a large one: glibc's own rule would have raised its mmap threshold past
# it, so the frames and images of the camera's steps would stay in the heap once freed.
MMAPPED_AFTER_A_LARGE_FREE = """
import ctypes
import sys

from locker.composition import fix_mmap_threshold

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    fix_mmap_threshold()
libc.free(libc.malloc(8 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(1 << 20)
print(libc.mallinfo2().hblks - before)
"""


@pytest.mark.parametrize(("threshold", "mapped"), [("fixed", "1"), ("glibc", "0")])
def test_a_frame_sized_block_is_mapped_and_given_back_once_the_threshold_is_fixed(
    threshold, mapped
):
    assert python_script(MMAPPED_AFTER_A_LARGE_FREE, threshold).stdout.strip() == mapped


def test_a_threshold_in_the_environment_is_left_to_rule(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert fix_mmap_threshold() is False
