"""A carrier's pre-advice reaches the locker as a command the centre's service key signs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.domain.states import ParcelState
from locker.services.context import LockerContext
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from locker.wire.commands import new_command, sign_command
from tests.fleet.centre_side import CommandSender
from tests.fleet.conftest import USERS
from tests.support.fakes import FakeClock
from tests.support.mosquitto import Broker
from tests.wire.fleet_keys import FleetKeys, Signer

LOCKER = "TEST-01"
TRACKING = "SF7306200001"


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


def signed(clock: FakeClock, action: str, args: dict[str, Any], by: Signer) -> bytes:
    """A command with a fresh nonce, as the centre signs each send (and each resend)."""
    command = new_command(
        LOCKER, action, args, by.certificate.subject, int(clock.now().timestamp())
    )
    return sign_command(command, by.certificate, by.key).to_bytes()


def preadvice(clock: FakeClock, **changed: Any) -> dict[str, Any]:
    return {
        "carrier": "SF Express",
        "tracking": TRACKING,
        "phone": "13812345678",
        "size": "M",
        "low_door": False,
        "language": "en",
        "expected_at": int(clock.now().timestamp()) + 3600,
        **changed,
    }


def parcels(db_path: Path) -> list[Any]:
    with SqliteStore(db_path) as store:
        return list(store.parcels())


def audited(db_path: Path, action: str) -> list[Any]:
    with SqliteStore(db_path) as store:
        return [r for r in store.audit_records() if r.action == action]


def test_a_pre_advice_signed_by_the_centre_is_stored_once_however_often_it_is_resent(
    uplink: Uplink, sender: CommandSender, fleet: FleetKeys, clock: FakeClock, db_path: Path
) -> None:
    for _ in range(3):  # unacknowledged: the centre signs it again with a new nonce
        sender.send(signed(clock, "preadvise", preadvice(clock), fleet.centre))

    results = sender.final(3)
    assert [r["status"] for r in results] == ["done"] * 3
    [parcel] = parcels(db_path)
    assert parcel.state is ParcelState.EXPECTED
    assert {tuple(sorted(r["outcome"].items())) for r in results} == {
        (
            ("carrier", "SF Express"),
            ("parcel_id", parcel.id),
            ("state", "expected"),
            ("tracking", TRACKING),
        )
    }
    [record] = audited(db_path, "parcel.expected")
    assert record.actor == "remote:centre"


def test_the_centre_withdraws_a_pre_advice(
    uplink: Uplink, sender: CommandSender, fleet: FleetKeys, clock: FakeClock, db_path: Path
) -> None:
    sender.send(signed(clock, "preadvise", preadvice(clock), fleet.centre))
    withdraw = {"carrier": "SF Express", "tracking": TRACKING}
    sender.send(signed(clock, "withdraw_preadvice", withdraw, fleet.centre))
    sender.send(signed(clock, "withdraw_preadvice", withdraw, fleet.centre))

    results = sender.final(3)
    assert [r["status"] for r in results] == ["done"] * 3
    assert results[1]["outcome"] == results[2]["outcome"]
    assert results[2]["outcome"]["state"] == "cancelled"
    assert [p.state for p in parcels(db_path)] == [ParcelState.CANCELLED]
    assert len(audited(db_path, "parcel.withdrawn")) == 1


def test_hostile_arguments_are_refused_in_clear_words_and_change_nothing(
    uplink: Uplink, sender: CommandSender, fleet: FleetKeys, clock: FakeClock, db_path: Path
) -> None:
    hostile = [
        preadvice(clock, expected_at=2**53),
        preadvice(clock, phone=13812345678),
        preadvice(clock, size="XXL"),
        preadvice(clock, tracking="S" * 500),
        preadvice(clock, carrier="SF\x00"),  # not printable: the envelope itself is refused
    ]
    for args in hostile:
        sender.send(signed(clock, "preadvise", args, fleet.centre))

    results = sender.final(len(hostile))
    assert [r.get("code") for r in results] == [
        "remote.arguments",
        "remote.arguments",
        "size.unknown",
        "tracking.format",
        "malformed",
    ]
    assert all(r["status"] == "refused" and r["detail"] for r in results)
    assert parcels(db_path) == []
    assert len(audited(db_path, "remote.refused")) == len(hostile)


def test_a_pre_advice_for_a_parcel_already_in_the_door_is_refused_with_its_state(
    uplink: Uplink,
    sender: CommandSender,
    fleet: FleetKeys,
    clock: FakeClock,
    db_path: Path,
    courier: Any,
) -> None:
    courier.deposit(TRACKING)

    sender.send(signed(clock, "preadvise", preadvice(clock), fleet.centre))

    [result] = sender.final(1)
    assert result["code"] == "preadvice.already_deposited"
    assert "deposited" in result["detail"]
