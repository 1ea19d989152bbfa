"""A fleet courier reaches a locker as an admin's grant inside the centre's `sync_courier`
command: the locker's command runner checks both signatures, then holds the account.

Nothing but an admin certified by the fleet's root, signing this very grant for this very
locker, makes a courier; every refusal is audited and answered, and changes nothing.
"""

from __future__ import annotations

import functools
import logging
import queue
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.domain import badge
from locker.domain.passwords import hash_secret
from locker.services.accounts import badge_login, login_courier
from locker.services.context import LockerContext
from locker.services.errors import AuthenticationError
from locker.store import SqliteStore
from locker.uplink.command_runner import CommandRunner
from locker.wire.commands import new_command, sign_command
from locker.wire.courier_grants import CourierGrant, sign_grant
from tests.conftest import COURIER_PIN
from tests.support.fakes import FakeClock
from tests.wire.fleet_keys import FleetKeys, Signer, fleet_keys, signer

LOCKER = "TEST-01"
FLEET_ID = 10_000_001
NEW_PIN = "975310"
FLEET_BADGE = badge.issue_fleet(FLEET_ID)


@functools.cache
def pin_hash(pin: str) -> str:
    return hash_secret(pin)


class RunningLocker:
    """A locker's command runner on its own thread and store connection, and its answers."""

    def __init__(self, db_path: Path, board: InMemoryBoard, clock: FakeClock, keys: FleetKeys):
        self.clock = clock
        self.keys = keys
        self.answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self.runner = CommandRunner(
            lambda: LockerContext(store=SqliteStore(db_path), board=board, clock=clock),
            LOCKER,
            keys.root.public_key(),
            3,
            self._publish,
            lambda seq: None,
        ).start()

    def _publish(self, result: dict[str, Any]) -> bool:
        if result["status"] != "accepted":
            self.answers.put(result)
        return True

    def envelope(self, args: dict[str, Any]) -> bytes:
        """The centre's `sync_courier` command carrying these arguments, with a new nonce."""
        now = int(self.clock.now().timestamp())
        command = new_command(LOCKER, "sync_courier", args, "centre", now)
        return sign_command(command, self.keys.centre.certificate, self.keys.centre.key).to_bytes()

    def send(self, args: dict[str, Any]) -> dict[str, Any]:
        """Send the arguments and wait for the locker's final answer."""
        self.runner.received(self.envelope(args))
        return self.answers.get(timeout=10)


@pytest.fixture
def keys() -> FleetKeys:
    return fleet_keys()


@pytest.fixture
def start_locker(ctx, db_path, board, clock, keys) -> Iterator[Callable[[], RunningLocker]]:
    started: list[RunningLocker] = []

    def start() -> RunningLocker:
        started.append(RunningLocker(db_path, board, clock, keys))
        return started[-1]

    yield start
    for running in started:
        running.runner.stop()


@pytest.fixture
def locker(start_locker) -> RunningLocker:
    return start_locker()


def grant(clock: FakeClock, **changes: Any) -> CourierGrant:
    """Revision 1 of a fleet courier's account for this locker, with a PIN and a badge."""
    now = int(clock.now().timestamp())
    terms = CourierGrant(
        locker_id=LOCKER,
        courier=FLEET_ID,
        carrier="SF Express",
        name="Wang Fang",
        pin_hash=pin_hash(COURIER_PIN),
        badge_hash=FLEET_BADGE.token_hash,
        badge_issued_at=now,
        active=True,
        revision=1,
        signed_at=now,
        operator="bob",
    )
    return replace(terms, **changes)


def signed_args(keys: FleetKeys, terms: CourierGrant, by: Signer | None = None) -> dict[str, Any]:
    """The command's arguments: the grant, signed by admin bob unless `by` says otherwise."""
    by = by or keys.bob
    return dict(sign_grant(terms, by.certificate, by.key).to_args())


def audit(ctx: LockerContext, action: str) -> list:
    return [r for r in ctx.store.audit_records() if r.action == action]


def test_a_grant_through_the_runner_lets_the_courier_log_in_by_pin_and_by_badge(
    ctx, locker, keys, clock
):
    answer = locker.send(signed_args(keys, grant(clock)))
    assert answer["status"] == "done", answer
    assert answer["outcome"] == {
        "courier": FLEET_ID,
        "revision": 1,
        "active": True,
        "applied": True,
    }
    assert login_courier(ctx, FLEET_ID, COURIER_PIN).carrier == "SF Express"
    assert badge_login(ctx, FLEET_BADGE.text).id == FLEET_ID
    [record] = audit(ctx, "courier.synced")
    assert (record.actor, record.subject) == ("remote:centre", str(FLEET_ID))
    assert record.details["operator"] == "bob"


def test_the_same_grant_three_times_at_once_is_one_courier_and_one_record(
    ctx, start_locker, keys, clock
):
    lockers = [start_locker() for _ in range(3)]
    args = signed_args(keys, grant(clock))
    envelopes = [running.envelope(args) for running in lockers]
    for running, envelope in zip(lockers, envelopes, strict=True):
        running.runner.received(envelope)
    answers = [running.answers.get(timeout=10) for running in lockers]

    assert [a["status"] for a in answers] == ["done"] * 3, answers
    assert sorted(a["outcome"]["applied"] for a in answers) == [False, False, True]
    assert {a["outcome"]["revision"] for a in answers} == {1}
    assert [c.id for c in ctx.store.couriers()] == [FLEET_ID]
    assert len(audit(ctx, "courier.synced")) == 1


def test_an_older_revision_is_refused_and_changes_nothing(ctx, locker, keys, clock):
    newer = grant(clock, pin_hash=pin_hash(NEW_PIN), revision=2)
    assert locker.send(signed_args(keys, newer))["status"] == "done"
    answer = locker.send(signed_args(keys, grant(clock)))
    assert (answer["status"], answer["code"]) == ("refused", "courier.stale_grant")
    assert ctx.store.fleet_courier(FLEET_ID).revision == 2
    assert login_courier(ctx, FLEET_ID, NEW_PIN).id == FLEET_ID
    [refused] = audit(ctx, "remote.refused")
    assert refused.details["code"] == "courier.stale_grant"
    assert len(audit(ctx, "courier.synced")) == 1


def test_a_later_revision_disables_the_courier(ctx, locker, keys, clock):
    locker.send(signed_args(keys, grant(clock)))
    answer = locker.send(signed_args(keys, grant(clock, active=False, revision=2)))
    assert answer["outcome"] == {
        "courier": FLEET_ID,
        "revision": 2,
        "active": False,
        "applied": True,
    }
    with pytest.raises(AuthenticationError):
        login_courier(ctx, FLEET_ID, COURIER_PIN)
    assert ctx.store.courier_session_version(FLEET_ID) is None


def test_the_lockers_own_courier_is_not_the_centres_to_change(ctx, locker, keys, clock):
    ctx.store.db.execute(
        "INSERT INTO couriers (id, carrier, name, pin_hash, created_at) "
        "VALUES (?, 'ZTO', 'Local', ?, '2026-01-01T00:00:00+00:00')",
        [FLEET_ID, pin_hash(NEW_PIN)],
    )
    answer = locker.send(signed_args(keys, grant(clock)))
    assert (answer["status"], answer["code"]) == ("refused", "courier.not_fleet")
    assert login_courier(ctx, FLEET_ID, NEW_PIN).name == "Local"


# --- Who may grant a courier ---------------------------------------------------------------------


def _support(keys: FleetKeys, clock: FakeClock) -> dict[str, Any]:
    return signed_args(keys, grant(clock, operator="alice"), keys.alice)


def _service(keys: FleetKeys, clock: FakeClock) -> dict[str, Any]:
    return signed_args(keys, grant(clock, operator="centre"), keys.centre)


def _other_root(keys: FleetKeys, clock: FakeClock) -> dict[str, Any]:
    return signed_args(keys, grant(clock), fleet_keys().bob)


def _other_locker(keys: FleetKeys, clock: FakeClock) -> dict[str, Any]:
    return signed_args(keys, grant(clock, locker_id="TEST-02"))


def _another_admins_certificate(keys: FleetKeys, clock: FakeClock) -> dict[str, Any]:
    carol = signer(keys.root, "carol", "admin")
    return {
        **signed_args(keys, grant(clock)),
        "certificate": signed_args(keys, grant(clock, operator="carol"), carol)["certificate"],
    }


def _signature_of_another_grant(keys: FleetKeys, clock: FakeClock) -> dict[str, Any]:
    other = signed_args(keys, grant(clock, revision=2))
    return {**signed_args(keys, grant(clock)), "signature": other["signature"]}


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (_support, "not_allowed"),
        (_service, "not_allowed"),
        (_other_root, "unknown_signer"),
        (_other_locker, "bad_signature"),
        (_another_admins_certificate, "not_allowed"),
        (_signature_of_another_grant, "bad_signature"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_a_grant_not_signed_by_an_admin_of_this_fleet_for_this_locker_is_refused(
    ctx, locker, keys, clock, make, code
):
    answer = locker.send(make(keys, clock))
    assert (answer["status"], answer["code"]) == ("refused", code), answer
    assert ctx.store.couriers() == []
    [refused] = audit(ctx, "remote.refused")
    assert refused.details["code"] == code and refused.subject == "sync_courier"


TAMPERED = {
    "courier": FLEET_ID + 1,
    "carrier": "ZTO Express",
    "name": "Someone Else",
    "pin_hash": pin_hash(NEW_PIN),
    "badge_hash": "0" * 64,
    "badge_issued_at": 1_794_000_000,
    "active": False,
    "revision": 7,
    "signed_at": 1_794_000_000,
    "operator": "carol",
}


@pytest.mark.parametrize(("field", "value"), TAMPERED.items(), ids=list(TAMPERED))
def test_a_grant_changed_after_the_admin_signed_it_is_refused(
    ctx, locker, keys, clock, field, value
):
    args = {**signed_args(keys, grant(clock)), field: value}
    answer = locker.send(args)
    assert answer["status"] == "refused"
    assert answer["code"] == ("not_allowed" if field == "operator" else "bad_signature")
    assert ctx.store.couriers() == []
    assert len(audit(ctx, "remote.refused")) == 1


# --- Hostile arguments -------------------------------------------------------------------------

OTHER_COST = pin_hash(COURIER_PIN).replace("scrypt$16384$", "scrypt$1048576$")
HOSTILE = {
    "nul in name": {"name": "Wang\x00Fang"},
    "newline in name": {"name": "Wang\r\nFang"},
    "huge courier": {"courier": 10**30},
    "huge revision": {"revision": 10**30},
    "revision as text": {"revision": "1"},
    "revision zero": {"revision": 0},
    "negative revision": {"revision": -1},
    "active as a number": {"active": 1},
    "courier as text": {"courier": str(FLEET_ID)},
    "local courier id": {"courier": 7},
    "name missing": {"name": None},
    "empty name": {"name": ""},
    "name of 65": {"name": "x" * 65},
    "name of 501": {"name": "x" * 501},
    "pin hash of another cost": {"pin_hash": OTHER_COST},
    "pin in clear": {"pin_hash": COURIER_PIN},
    "badge hash without a time": {"badge_issued_at": 0},
    "badge hash not hex": {"badge_hash": "g" * 64},
    "certificate not json": {"certificate": "{not json"},
    "certificate a list": {"certificate": "[]"},
    "certificate empty": {"certificate": "{}"},
    "signature not base64": {"signature": "!" * 88},
    "operator with a space": {"operator": "bob smith"},
}


@pytest.mark.parametrize("change", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_arguments_are_refused_as_malformed_and_change_nothing(
    ctx, locker, keys, clock, caplog, change
):
    args = {**signed_args(keys, grant(clock)), **change}
    with caplog.at_level(logging.ERROR):
        answer = locker.send(args)
    assert (answer["status"], answer["code"]) == ("refused", "malformed"), answer
    assert ctx.store.couriers() == []
    assert [r.details["code"] for r in audit(ctx, "remote.refused")] == ["malformed"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_arguments_missing_altogether_are_refused_as_malformed(ctx, locker, keys, clock):
    answer = locker.send({})
    assert (answer["status"], answer["code"]) == ("refused", "malformed")
    assert ctx.store.couriers() == []


def test_a_badge_issued_after_the_grant_was_signed_is_refused(ctx, locker, keys, clock):
    end_of_time = 253_402_300_799  # a badge "issued" then would never expire
    answer = locker.send(signed_args(keys, grant(clock, badge_issued_at=end_of_time)))
    assert (answer["status"], answer["code"]) == ("refused", "malformed")
    assert ctx.store.couriers() == []
