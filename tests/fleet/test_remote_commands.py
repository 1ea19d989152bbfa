"""A remote command opens a door only when the locker itself finds it signed, fresh and allowed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.centre.store import CentreStore
from locker.domain.audit_chain import AuditRecord
from locker.services.alarms import open_alarms
from locker.services.context import LockerContext
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from locker.wire.commands import new_command, sign_command
from locker.wire.keys import new_private_key
from tests.conftest import CourierActions
from tests.fleet.centre_side import CommandSender
from tests.fleet.conftest import USERS, wait_for
from tests.support.fakes import FakeClock
from tests.support.mosquitto import Broker
from tests.wire.fleet_keys import FleetKeys, Signer, signer

LOCKER = "TEST-01"


@pytest.fixture
def uplink(
    ctx: LockerContext,
    db_path: Path,
    board: InMemoryBoard,
    clock: FakeClock,
    start_uplink: Callable[..., Uplink],
) -> Uplink:
    running = start_uplink(
        db_path,
        LOCKER,
        make_context=lambda: LockerContext(store=SqliteStore(db_path), board=board, clock=clock),
    )
    assert running.link.subscribed.wait(10)
    return running


@pytest.fixture
def sender(broker: Broker) -> Iterator[CommandSender]:
    sending = CommandSender(broker, LOCKER, USERS["centre"])
    yield sending
    sending.close()


def command(
    clock: FakeClock,
    action: str,
    args: dict[str, Any],
    signers: tuple[Signer, ...],
    locker: str = LOCKER,
    lifetime_s: int = 60,
) -> bytes:
    first = signers[0]
    unsigned = new_command(
        locker,
        action,
        args,
        first.certificate.subject,
        int(clock.now().timestamp()),
        lifetime_s,
    )
    signed: Any = unsigned
    for one in signers:
        signed = sign_command(signed, one.certificate, one.key)
    return signed.to_bytes()  # type: ignore[no-any-return]


def audit(db_path: Path, action: str) -> list[AuditRecord]:
    with SqliteStore(db_path) as store:
        return [r for r in store.audit_records() if r.action == action]


def test_an_operator_opens_an_empty_door_and_the_outcome_comes_back(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    board: InMemoryBoard,
    db_path: Path,
) -> None:
    sender.send(command(clock, "force_open", {"door": "A01", "reason": "jammed"}, (fleet.alice,)))

    [result] = sender.final(1)
    assert result["status"] == "done"
    assert result["outcome"] == {"door": "A01", "opened": True}
    assert [a.channel for a in board.opened] == [1]
    [opened] = audit(db_path, "door.force_open")
    assert opened.actor == "remote:alice"
    assert [r["status"] for r in sender.results] == ["accepted", "done"]


def test_the_same_command_sent_three_times_opens_the_door_once(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    board: InMemoryBoard,
    db_path: Path,
) -> None:
    payload = command(clock, "force_open", {"door": "A01", "reason": "jammed"}, (fleet.alice,))
    for _ in range(3):
        sender.send(payload)

    results = sender.final(3)
    assert sorted(r["status"] for r in results) == ["done", "refused", "refused"]
    assert {r.get("code") for r in results if r["status"] == "refused"} == {"replayed"}
    assert len(board.opened) == 1


def refused_codes(db_path: Path) -> list[str]:
    return [r.details["code"] for r in audit(db_path, "remote.refused")]


def test_forged_stale_and_misdirected_commands_open_nothing_and_are_each_audited(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    board: InMemoryBoard,
    db_path: Path,
) -> None:
    args = {"door": "A01", "reason": "jammed"}
    stranger = signer(new_private_key(), "alice", "admin")
    flipped = bytearray(command(clock, "force_open", args, (fleet.alice,)))
    flipped[flipped.index(b'"A01"') + 2] ^= 0x02  # "A01" becomes "A21"
    expired = command(clock, "force_open", args, (fleet.alice,), lifetime_s=1)
    clock.advance(seconds=40)
    payloads = [
        command(clock, "force_open", args, (fleet.alice,), locker="OTHER-01"),
        expired,
        command(clock, "force_open", args, (stranger,)),
        command(clock, "force_open", args, (fleet.centre,)),
        bytes(flipped),
        b"\x00not a command\r\n",
    ]
    for payload in payloads:
        sender.send(payload)

    results = sender.final(len(payloads))
    assert [r["status"] for r in results] == ["refused"] * len(payloads)
    assert board.opened == []
    assert refused_codes(db_path) == [
        "other_locker",
        "expired",
        "unknown_signer",
        "not_allowed",
        "bad_signature",
        "malformed",
    ]


def test_a_certificate_the_root_did_not_sign_is_refused(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    board: InMemoryBoard,
    db_path: Path,
) -> None:
    payload = json.loads(
        command(clock, "force_open", {"door": "A01", "reason": "x-ray"}, (fleet.alice,))
    )
    payload["signatures"][0]["certificate"]["not_after"] += 10 * 365 * 24 * 3600
    sender.send(json.dumps(payload).encode())

    [result] = sender.final(1)
    assert result["code"] == "unknown_signer"
    assert board.opened == []


def test_an_occupied_door_needs_two_operators(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    board: InMemoryBoard,
    db_path: Path,
    courier: CourierActions,
) -> None:
    door = courier.deposit().compartment
    opened_before = len(board.opened)
    args = {"door": door, "reason": "recipient at the helpline"}

    sender.send(command(clock, "force_open", args, (fleet.alice,)))
    sender.send(command(clock, "force_open", args, (fleet.alice, fleet.alice)))
    sender.send(command(clock, "force_open", args, (fleet.alice, fleet.bob)))

    results = sender.final(3)
    assert [r.get("code") for r in results[:2]] == ["remote.second_signature"] * 2
    assert results[2]["status"] == "done"
    assert len(board.opened) == opened_before + 1
    assert audit(db_path, "door.force_open")[-1].actor == "remote:alice+bob"


def test_remote_openings_are_capped_per_hour_on_the_locker(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    board: InMemoryBoard,
    db_path: Path,
    courier: CourierActions,
) -> None:
    for door in ["A01", "A02", "B01", "B02"]:
        sender.send(command(clock, "force_open", {"door": door, "reason": "audit"}, (fleet.bob,)))

    results = sender.final(4)
    assert [r["status"] for r in results] == ["done", "done", "done", "refused"]
    assert results[3]["code"] == "remote.opens_capped"
    assert len(board.opened) == 3
    assert refused_codes(db_path) == ["remote.opens_capped"]

    clock.advance(hours=1, seconds=1)
    sender.send(command(clock, "force_open", {"door": "B02", "reason": "audit"}, (fleet.bob,)))
    assert sender.final(5)[4]["status"] == "done"


def test_the_centre_may_ask_for_events_again_but_open_no_door(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    board: InMemoryBoard,
    db_path: Path,
) -> None:
    sender.send(command(clock, "resend_events", {"from_seq": 1}, (fleet.centre,)))
    sender.send(
        command(clock, "out_of_service", {"door": "A01", "reason": "broken"}, (fleet.centre,))
    )

    results = sender.final(2)
    assert results[0]["status"] == "done"
    assert results[1]["code"] == "not_allowed"
    assert [r.subject for r in audit(db_path, "uplink.resend_events")] == ["1"]


def test_a_refusal_on_the_locker_is_visible_at_the_centre(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    start_centre: Callable[[str], Any],
    centre_db: str,
) -> None:
    start_centre("centre-a")
    sender.send(command(clock, "force_open", {"door": "A01", "reason": "x"}, (fleet.centre,)))
    sender.final(1)

    def refusals_at_the_centre() -> list[AuditRecord]:
        store = CentreStore(centre_db)
        try:
            return [r for r in store.events_of(LOCKER, 0, 1000) if r.action == "remote.refused"]
        finally:
            store.close()

    assert wait_for(lambda: len(refusals_at_the_centre()) == 1)
    assert refusals_at_the_centre()[0].details["code"] == "not_allowed"


def test_an_alarm_acknowledged_from_the_console_is_the_screen_s_record(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    ctx: LockerContext,
    db_path: Path,
) -> None:
    with ctx.store.transaction():
        fault = ctx.store.append_audit("system", "door.fault", "A01", {}, clock.now())
    args = {"alarm": fault.seq, "note": "board replaced"}

    sender.send(command(clock, "acknowledge_alarm", args, (fleet.alice,)))
    sender.send(command(clock, "acknowledge_alarm", args, (fleet.bob,)))

    first, second = sender.final(2)
    assert first["status"] == "done" and second["code"] == "alarm.acknowledged"
    [record] = audit(db_path, "alarm.acknowledged")
    assert (record.actor, record.subject) == ("remote:alice", str(fault.seq))
    assert record.details == {"note": "board replaced", "admin": "alice"}
    assert open_alarms(ctx, 10) == []


def test_the_centre_holds_doors_and_a_resent_hold_is_the_same_hold(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    ctx: LockerContext,
    db_path: Path,
) -> None:
    until = int(clock.now().timestamp()) + 3600
    args = {"hold": "R-1", "carrier": "JD", "size": "S", "count": 2, "expires_at": until}

    # The centre resends an unanswered hold re-signed, under a new nonce.
    sender.send(command(clock, "hold", args, (fleet.centre,)))
    sender.send(command(clock, "hold", args, (fleet.centre,)))
    sender.send(command(clock, "release_hold", {"hold": "R-1"}, (fleet.centre,)))

    first, again, released = sender.final(3)
    assert first["status"] == again["status"] == "done"
    assert first["outcome"] == again["outcome"] == {**args, "state": "active"}
    assert released["outcome"] == {"hold": "R-1", "state": "released"}
    assert [r.subject for r in audit(db_path, "hold.placed")] == ["R-1"]
    assert [r.subject for r in audit(db_path, "hold.released")] == ["R-1"]
