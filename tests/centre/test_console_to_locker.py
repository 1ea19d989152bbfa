"""From the console to a real locker's uplink over a real broker: the door opens on the board,
and an occupied door opens only once a second operator has approved it on the console."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient

from locker.boards.in_memory import InMemoryBoard
from locker.centre import command_log
from locker.centre.serve import Centre
from locker.services.context import LockerContext
from locker.store import SqliteStore
from locker.uplink.uplink import Uplink
from tests.centre.conftest import LOCKER, PASSWORDS, form_ids, login
from tests.conftest import CourierActions
from tests.fleet.conftest import start_uplink, wait_for  # noqa: F401 (a fixture)
from tests.wire.fleet_keys import FleetKeys, signer


@pytest.fixture
def fleet(root: Ed25519PrivateKey) -> FleetKeys:
    """The fleet whose root certified the console's operators."""
    return FleetKeys(
        root,
        signer(root, "alice", "support"),
        signer(root, "bob", "admin"),
        signer(root, "centre", "service"),
    )


@pytest.fixture
def uplink(
    ctx: LockerContext,
    db_path: Path,
    board: InMemoryBoard,
    start_uplink: Callable[..., Uplink],  # noqa: F811
    centre: Centre,
) -> Uplink:
    # The locker's clock is the real one here: the console signs on the centre's clock.
    running = start_uplink(
        db_path, LOCKER, make_context=lambda: LockerContext(store=SqliteStore(db_path), board=board)
    )
    assert running.link.subscribed.wait(10)
    return running


def _send(client: FlaskClient, door: str) -> str:
    token, request_id = form_ids(client, "/remote")
    answer = client.post(
        "/remote",
        data={
            "csrf_token": token,
            "request_id": request_id,
            "locker": LOCKER,
            "action": "force_open",
            "door": door,
            "reason": "recipient at the helpline",
            "password": PASSWORDS["alice"],
        },
    )
    return str(answer.location).rsplit("/", 1)[1]


def _actors(db_path: Path) -> list[str]:
    with SqliteStore(db_path) as store:
        return [r.actor for r in store.audit_records() if r.action == "door.force_open"]


def _status(centre: Centre, nonce: str) -> str:
    found = command_log.one(centre.store, nonce)
    return found.status if found else "missing"


def test_a_free_door_opened_from_the_console_opens_on_the_board(
    client: FlaskClient, centre: Centre, uplink: Uplink, board: InMemoryBoard, db_path: Path
) -> None:
    login(client, "alice")
    nonce = _send(client, "A01")

    assert wait_for(lambda: _status(centre, nonce) == "done", 20)
    assert [a.channel for a in board.opened] == [1]
    assert _actors(db_path) == ["remote:alice"]
    assert "Door A01 opened." in client.get(f"/commands/{nonce}").get_data(as_text=True)
    # The locker's own record of it reaches the centre, and its page tells it in words.
    assert wait_for(
        lambda: (
            "Door opened for service" in client.get(f"/lockers/{LOCKER}").get_data(as_text=True)
        ),
        20,
    )


def test_an_occupied_door_opens_once_a_second_operator_approves(
    client: FlaskClient,
    centre: Centre,
    uplink: Uplink,
    board: InMemoryBoard,
    db_path: Path,
    courier: CourierActions,
) -> None:
    door = courier.deposit().compartment
    opened_before = len(board.opened)
    login(client, "alice")
    first = _send(client, door)
    assert wait_for(lambda: _status(centre, first) == "refused", 20)
    assert len(board.opened) == opened_before

    token, request_id = form_ids(client, f"/commands/{first}")
    asked = client.post(
        f"/commands/{first}/second",
        data={"csrf_token": token, "request_id": request_id, "password": PASSWORDS["alice"]},
    )
    pending = str(asked.location).rsplit("/", 1)[1]
    bob = centre.app.test_client()
    login(bob, "bob")
    token, request_id = form_ids(bob, f"/commands/{pending}")
    bob.post(
        f"/commands/{pending}/countersign",
        data={"csrf_token": token, "request_id": request_id, "password": PASSWORDS["bob"]},
    )

    assert wait_for(lambda: _status(centre, pending) == "done", 20)
    assert len(board.opened) == opened_before + 1
    assert _actors(db_path)[-1] == "remote:alice+bob"
