"""Couriers added once at the centre: an admin signs each locker's grant, the grants wait for
their lockers, and each locker's answer marks its copy applied or refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from locker.centre.command_records import KEEP_S, forget_old_commands
from locker.centre.courier_pusher import CourierPusher
from locker.centre.fleet_couriers import PIN_DIGITS, CourierDesk, CourierError
from locker.centre.operators import OperatorSigner
from locker.centre.order_book import RESEND_AFTER_S
from locker.centre.order_sender import ServiceSender
from locker.centre.schema import courier_grants, fleet_couriers, grant_commands
from locker.centre.service_identity import ServiceIdentity
from locker.centre.store import CentreStore
from locker.domain.courier_ids import FIRST_FLEET_ID
from locker.domain.passwords import verify_secret
from locker.wire.commands import check_command
from locker.wire.courier_grants import check_grant, grant_from_args
from locker.wire.topics import LockerTopics
from tests.wire.fleet_keys import NOW, FleetKeys, fleet_keys

LOCKERS = ("L-1", "L-2", "L-3")


class Clock:
    """Seconds since the epoch that a test moves on."""

    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys() -> FleetKeys:
    return fleet_keys()


@pytest.fixture
def admin(keys: FleetKeys) -> OperatorSigner:
    return OperatorSigner(keys.bob.certificate, keys.bob.key)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(centre_db_url: str) -> Iterator[CentreStore]:
    opened = CentreStore(centre_db_url)
    for locker in LOCKERS:
        opened.note_status(locker, locker != "L-3", NOW - 100)
    yield opened
    opened.close()


class Broker:
    """What the pusher published, by locker."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()

    def publish(self, topic: str, payload: bytes) -> bool:
        with self.lock:
            self.sent.append((topic, payload))
        return True

    def to(self, locker_id: str) -> list[bytes]:
        return [payload for topic, payload in self.sent if topic == LockerTopics(locker_id).cmd]


@pytest.fixture
def broker() -> Broker:
    return Broker()


@pytest.fixture
def pusher(store: CentreStore, keys: FleetKeys, broker: Broker, clock: Clock) -> CourierPusher:
    identity = ServiceIdentity(keys.centre.certificate, keys.centre.key)
    return CourierPusher(store, ServiceSender(identity, broker.publish), clock)


def grant_rows(store: CentreStore, courier_id: int) -> dict[str, Any]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(courier_grants).where(courier_grants.c.courier_id == courier_id)
        ).all()
    return {row.locker_id: row for row in rows}


def accepted(keys: FleetKeys, locker_id: str, payload: bytes, now: int = NOW) -> Any:
    """The command and grant a locker would accept, both signatures checked."""
    command = check_command(payload, locker_id, keys.root.public_key(), now).command
    assert command.action == "sync_courier"
    grant = check_grant(grant_from_args(command.args, locker_id), keys.root.public_key(), now)
    return command, grant


def answer(command: Any, status: str = "done", code: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"nonce": command.nonce, "action": command.action, "status": status}
    if code:
        result.update(code=code, detail="no")
    return result


def test_a_new_courier_gets_an_eight_digit_id_a_pin_shown_once_and_a_signed_grant_per_locker(
    store: CentreStore, admin: OperatorSigner, keys: FleetKeys, clock: Clock
) -> None:
    added = CourierDesk(store, clock).add("SF", "Li Wei", None, admin)

    assert added.courier_id == FIRST_FLEET_ID
    assert added.lockers == LOCKERS
    assert len(added.pin) == PIN_DIGITS and added.pin.isdigit()
    with store.engine.connect() as connection:
        row = connection.execute(select(fleet_couriers)).one()
    assert verify_secret(added.pin, row.pin_hash)
    assert added.pin not in json.dumps(row._asdict())
    grants = grant_rows(store, added.courier_id)
    assert set(grants) == set(LOCKERS)
    for locker_id, grant_row in grants.items():
        assert grant_row.state == "waiting"
        assert added.pin not in grant_row.args
        grant = check_grant(
            grant_from_args(json.loads(grant_row.args), locker_id), keys.root.public_key(), NOW
        )
        assert (grant.courier, grant.name, grant.active, grant.revision) == (
            FIRST_FLEET_ID,
            "Li Wei",
            True,
            1,
        )
    # A grant signed for one locker does not hold for another.
    with pytest.raises(Exception, match="signature"):
        check_grant(
            grant_from_args(json.loads(grants["L-1"].args), "L-2"), keys.root.public_key(), NOW
        )


def test_three_admins_adding_at_once_get_three_ids(
    store: CentreStore, admin: OperatorSigner, clock: Clock
) -> None:
    barrier = threading.Barrier(3)
    ids: list[int] = []

    def add(name: str) -> None:
        barrier.wait()
        ids.append(CourierDesk(store, clock).add("SF", name, ["L-1"], admin).courier_id)

    threads = [threading.Thread(target=add, args=(f"courier {n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(ids) == [FIRST_FLEET_ID, FIRST_FLEET_ID + 1, FIRST_FLEET_ID + 2]


@pytest.mark.parametrize(
    ("carrier", "name", "lockers", "says"),
    [
        ("SF", "", None, "name"),
        ("SF", "Li\r\nWei", None, "name"),
        ("SF", "Li\x00Wei", None, "name"),
        ("SF", "x" * 65, None, "name"),
        ("", "Li Wei", None, "carrier"),
        ("S\nF", "Li Wei", None, "carrier"),
        ("SF", "Li Wei", ["L-9"], "no locker L-9"),
        ("SF", "Li Wei", [], "lockers"),
    ],
)
def test_a_wrong_courier_is_refused_and_nothing_is_kept(
    store: CentreStore,
    admin: OperatorSigner,
    carrier: str,
    name: str,
    lockers: list[str] | None,
    says: str,
    clock: Clock,
) -> None:
    with pytest.raises(CourierError, match=says):
        CourierDesk(store, clock).add(carrier, name, lockers, admin)
    with store.engine.connect() as connection:
        assert connection.execute(select(fleet_couriers)).all() == []
        assert connection.execute(select(courier_grants)).all() == []


def test_only_an_admin_may_add_a_courier(store: CentreStore, keys: FleetKeys, clock: Clock) -> None:
    support = OperatorSigner(keys.alice.certificate, keys.alice.key)
    with pytest.raises(CourierError, match="admin"):
        CourierDesk(store, clock).add("SF", "Li Wei", None, support)


def test_grants_go_to_online_lockers_and_to_an_offline_one_when_it_returns(
    store: CentreStore,
    admin: OperatorSigner,
    pusher: CourierPusher,
    broker: Broker,
    keys: FleetKeys,
    clock: Clock,
) -> None:
    added = CourierDesk(store, clock).add("SF", "Li Wei", None, admin)

    assert pusher.send_due() == 2
    assert broker.to("L-3") == []
    for locker_id in ("L-1", "L-2"):
        [payload] = broker.to(locker_id)
        command, grant = accepted(keys, locker_id, payload)
        assert grant.courier == added.courier_id
        assert pusher.result(locker_id, answer(command))
    assert {k: r.state for k, r in grant_rows(store, added.courier_id).items()} == {
        "L-1": "applied",
        "L-2": "applied",
        "L-3": "waiting",
    }

    store.note_status("L-3", True, NOW)
    assert pusher.locker_online("L-3") == 1
    [payload] = broker.to("L-3")
    command, _ = accepted(keys, "L-3", payload)
    pusher.result("L-3", answer(command))
    assert grant_rows(store, added.courier_id)["L-3"].state == "applied"
    assert pusher.send_due() == 0


def test_an_unanswered_grant_goes_again_later_with_a_new_nonce_and_a_late_answer_counts(
    store: CentreStore,
    admin: OperatorSigner,
    pusher: CourierPusher,
    broker: Broker,
    keys: FleetKeys,
    clock: Clock,
) -> None:
    added = CourierDesk(store, clock).add("SF", "Li Wei", ["L-1"], admin)
    pusher.send_due()
    assert pusher.send_due() == 0  # not yet: the locker has a minute to answer
    clock.now += RESEND_AFTER_S
    assert pusher.send_due() == 1
    first, second = (accepted(keys, "L-1", p, int(clock.now))[0] for p in broker.to("L-1"))
    assert first.nonce != second.nonce

    pusher.result("L-1", answer(first))
    assert grant_rows(store, added.courier_id)["L-1"].state == "applied"


def test_a_lapsed_envelope_keeps_the_grant_waiting_but_a_locker_refusal_ends_it(
    store: CentreStore,
    admin: OperatorSigner,
    pusher: CourierPusher,
    broker: Broker,
    keys: FleetKeys,
    clock: Clock,
) -> None:
    added = CourierDesk(store, clock).add("SF", "Li Wei", ["L-1", "L-2"], admin)
    pusher.send_due()
    one, _ = accepted(keys, "L-1", broker.to("L-1")[0])
    two, _ = accepted(keys, "L-2", broker.to("L-2")[0])

    pusher.result("L-1", answer(one, "refused", "expired"))
    pusher.result("L-2", answer(two, "refused", "courier.id_taken"))

    rows = grant_rows(store, added.courier_id)
    assert rows["L-1"].state == "waiting"
    assert (rows["L-2"].state, rows["L-2"].code) == ("refused", "courier.id_taken")


def test_disabling_signs_a_new_revision_for_every_locker_and_old_answers_do_not_count(
    store: CentreStore,
    admin: OperatorSigner,
    pusher: CourierPusher,
    broker: Broker,
    keys: FleetKeys,
    clock: Clock,
) -> None:
    desk = CourierDesk(store, clock)
    added = desk.add("SF", "Li Wei", None, admin)
    pusher.send_due()
    old, _ = accepted(keys, "L-1", broker.to("L-1")[0])

    assert desk.disable(added.courier_id, admin) == 3
    pusher.result("L-1", answer(old))  # the answer to revision 1 arrives late
    assert grant_rows(store, added.courier_id)["L-1"].state == "waiting"

    pusher.send_due()
    command, grant = accepted(keys, "L-1", broker.to("L-1")[-1])
    assert (grant.revision, grant.active) == (2, False)
    pusher.result("L-1", answer(command))
    assert grant_rows(store, added.courier_id)["L-1"].state == "applied"
    assert desk.couriers()[0]["lockers"] == {"applied": 1, "waiting": 2}


def test_a_new_badge_replaces_the_hash_and_its_text_names_the_courier(
    store: CentreStore, admin: OperatorSigner, keys: FleetKeys, clock: Clock
) -> None:
    desk = CourierDesk(store, clock)
    added = desk.add("SF", "Li Wei", ["L-1"], admin)
    text = desk.new_badge(added.courier_id, admin)

    assert text.startswith(f"CF1:{added.courier_id}:")
    args = json.loads(grant_rows(store, added.courier_id)["L-1"].args)
    grant = check_grant(grant_from_args(args, "L-1"), keys.root.public_key(), NOW + 60)
    assert grant.badge_hash and grant.revision == 2
    desk.disable(added.courier_id, admin)
    with pytest.raises(CourierError, match="disabled"):
        desk.new_badge(added.courier_id, admin)


def test_two_centre_workers_send_a_waiting_grant_once(
    store: CentreStore,
    centre_db_url: str,
    admin: OperatorSigner,
    keys: FleetKeys,
    broker: Broker,
    clock: Clock,
) -> None:
    CourierDesk(store, clock).add("SF", "Li Wei", ["L-1"], admin)
    identity = ServiceIdentity(keys.centre.certificate, keys.centre.key)
    stores = [CentreStore(centre_db_url) for _ in range(2)]
    workers = [CourierPusher(s, ServiceSender(identity, broker.publish), clock) for s in stores]
    barrier = threading.Barrier(2)

    def send(worker: CourierPusher) -> None:
        barrier.wait()
        worker.send_due()

    threads = [threading.Thread(target=send, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for opened in stores:
        opened.close()
    assert len(broker.to("L-1")) == 1


def test_command_records_older_than_a_day_are_forgotten_and_newer_ones_kept(
    store: CentreStore, admin: OperatorSigner, pusher: CourierPusher, clock: Clock
) -> None:
    CourierDesk(store, clock).add("SF", "Li Wei", ["L-1", "L-2"], admin)
    pusher.send_due()
    clock.now += KEEP_S - 10
    store.note_status("L-3", True, clock.now)
    CourierDesk(store, clock).add("SF", "Wang Fang", ["L-3"], admin)
    pusher.send_due()

    # The first two grants went again (unanswered): those sends are recent and kept.
    assert forget_old_commands(store, clock.now + 20) == 2
    with store.engine.connect() as connection:
        kept = connection.execute(select(grant_commands.c.signed_at)).scalars().all()
    assert len(kept) == 3 and min(kept) > clock.now + 20 - KEEP_S
