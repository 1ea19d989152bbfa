"""A signed hold from the centre runs through the locker's command runner, and the locker's
published state is refreshed after it, so the centre sees the held doors at once."""

from __future__ import annotations

import threading
from typing import Any

from locker.domain.models import Size
from locker.services.context import LockerContext
from locker.services.hold_doors import held_doors
from locker.store import SqliteStore
from locker.uplink.command_runner import CommandRunner
from locker.wire.commands import new_command, sign_command
from tests.wire.fleet_keys import fleet_keys

LOCKER = "TEST-01"


def test_a_hold_signed_by_the_centre_is_placed_and_the_state_is_marked_changed(
    ctx, db_path, board, clock
):
    keys = fleet_keys()
    results: list[dict[str, Any]] = []
    done = threading.Event()
    changed = threading.Event()

    def publish(result: dict[str, Any]) -> bool:
        results.append(result)
        if result["status"] != "accepted":
            done.set()
        return True

    runner = CommandRunner(
        lambda: LockerContext(store=SqliteStore(db_path), board=board, clock=clock),
        LOCKER,
        keys.root.public_key(),
        3,
        publish,
        lambda seq: None,
        on_handled=changed.set,
    ).start()
    now = int(clock.now().timestamp())
    args = {"hold": "R-1", "carrier": "JD", "size": "S", "count": 2, "expires_at": now + 600}
    command = new_command(LOCKER, "hold", args, "centre", now)
    try:
        runner.received(sign_command(command, keys.centre.certificate, keys.centre.key).to_bytes())
        assert done.wait(10) and changed.wait(10)
    finally:
        runner.stop()

    assert [r["status"] for r in results] == ["accepted", "done"]
    assert results[-1]["outcome"] == {**args, "state": "active"}
    assert held_doors(ctx)[Size.S] == 2


class BrokenStore(SqliteStore):
    """A store whose holds table cannot be read: a fault no refusal foresaw."""

    def open_holds(self) -> Any:
        raise OSError("disk I/O error")


def test_a_command_that_fails_unforeseen_still_gets_a_final_answer(db_path, board, clock):
    keys = fleet_keys()
    results: list[dict[str, Any]] = []
    done = threading.Event()

    def publish(result: dict[str, Any]) -> bool:
        results.append(result)
        if result["status"] != "accepted":
            done.set()
        return True

    runner = CommandRunner(
        lambda: LockerContext(store=BrokenStore(db_path), board=board, clock=clock),
        LOCKER,
        keys.root.public_key(),
        3,
        publish,
        lambda seq: None,
    ).start()
    now = int(clock.now().timestamp())
    args = {"hold": "R-1", "carrier": "JD", "size": "S", "count": 2, "expires_at": now + 600}
    command = new_command(LOCKER, "hold", args, "centre", now)
    try:
        runner.received(sign_command(command, keys.centre.certificate, keys.centre.key).to_bytes())
        assert done.wait(10)
    finally:
        runner.stop()

    assert [r["status"] for r in results] == ["accepted", "refused"]
    assert results[-1]["code"] == "failed"
    with SqliteStore(db_path) as store:
        assert [r.action for r in store.audit_records()][-1] == "remote.refused"
        assert store.unpublished_command_results() == []
