"""`locker board`: the installer's service command against a simulated Kerong bus."""

from __future__ import annotations

import json
import time

from click.testing import CliRunner

from locker.boards.kerong_protocol import KerongDecoder
from locker.boards.serial_bus import SerialBus
from locker.cli.main import cli


def board(*args, db=None):
    prefix = ["--db", str(db)] if db else []
    return CliRunner().invoke(cli, [*prefix, "board", *args], catch_exceptions=False)


def test_status_lists_sixteen_channels_as_json(kerong_bench, lock_dir):
    result = board("--port", kerong_bench.path, "--item-sensors", "status", "0", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["channel"] for r in rows] == list(range(1, 17))
    assert rows[0] == {"channel": 1, "locked": True, "item_present": False}


def test_open_prints_the_outcome_and_exits_zero_only_when_confirmed(kerong_bench, lock_dir):
    result = board("--port", kerong_bench.path, "open", "1", "6", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"board": 1, "channel": 6, "opened": True}

    kerong_bench.set_fault("stuck_lock", True, 0, 2)
    result = board("--port", kerong_bench.path, "open", "0", "2", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["error"].startswith("the lock fired but did not report")


def test_a_silent_board_gives_up_within_three_seconds(kerong_bench, lock_dir):
    kerong_bench.set_fault("no_reply", True)
    started = time.monotonic()
    result = board("--port", kerong_bench.path, "open", "0", "1")
    assert time.monotonic() - started < 3.0
    assert result.exit_code == 1
    assert "did not answer" in result.output


def test_the_command_refuses_a_port_the_kiosk_owns(kerong_bench, lock_dir):
    kiosk = SerialBus(kerong_bench.path, KerongDecoder).start()
    try:
        result = board("--port", kerong_bench.path, "open", "0", "1")
        assert result.exit_code == 1
        assert "in use by process" in result.output
    finally:
        kiosk.stop()


def test_unlocks_are_audited_when_a_database_is_configured(ctx, db_path, kerong_bench, lock_dir):
    result = board("--port", kerong_bench.path, "open", "0", "3", db=db_path)
    assert result.exit_code == 0
    [record] = [r for r in ctx.store.audit_records() if r.action == "board.open"]
    assert record.details["outcome"] == "confirmed"
    assert record.subject.endswith("0/3")


def test_a_socket_url_reaches_a_board_served_over_tcp(lock_dir):
    from locker.boards.sim.bench import SimBench
    from locker.boards.sim.kerong_sim import KerongSimulator

    with SimBench(KerongSimulator(), listen=("127.0.0.1", 0)) as bench:
        assert bench.path.startswith("socket://127.0.0.1:")
        result = board("--port", bench.path, "open", "0", "9", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["opened"] is True


def test_the_service_command_drives_a_separate_sim_board_process(lock_dir, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "locker.cli.main",
            "sim-board",
            "--driver",
            "kerong",
            "--boards",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        path = process.stdout.readline().strip()
        assert path, "sim-board printed no port path"
        result = board("--port", path, "open", "1", "16", "--json")
        assert json.loads(result.output) == {"board": 1, "channel": 16, "opened": True}
        status = json.loads(board("--port", path, "status", "1", "--json").output)
        assert status[15]["locked"] is False
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()
