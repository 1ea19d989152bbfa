"""Remote actions from the console: signed by the operator's own key, sent once, followed live."""

from __future__ import annotations

import json
import threading

from flask.testing import FlaskClient

from locker.centre import command_log
from locker.centre.serve import Centre
from locker.wire.commands import check_command, command_from_bytes
from tests.centre.conftest import LOCKER, PASSWORDS, Listener, form_ids, login
from tests.fleet.conftest import wait_for


def _open_door(client: FlaskClient, password: str, door: str = "A01", **extra: str) -> str:
    token, request_id = form_ids(client, "/remote")
    form = {
        "csrf_token": token,
        "request_id": request_id,
        "locker": LOCKER,
        "action": "force_open",
        "door": door,
        "reason": "jammed, customer waiting",
        "password": password,
        **extra,
    }
    answer = client.post("/remote", data=form)
    assert answer.status_code == 303
    return str(answer.location)


def test_a_door_opened_from_the_console_leaves_signed_by_the_operator(
    client: FlaskClient, centre: Centre, commands_heard: Listener, root
) -> None:
    login(client, "alice")
    where = _open_door(client, PASSWORDS["alice"])

    assert where.startswith("/commands/")
    ((topic, payload),) = commands_heard.wait(1)
    assert topic == f"lockers/{LOCKER}/cmd"
    signed = command_from_bytes(payload)
    assert signed.command.action == "force_open" and signed.command.operator == "alice"
    assert dict(signed.command.args) == {"door": "A01", "reason": "jammed, customer waiting"}
    accepted = check_command(payload, LOCKER, root.public_key(), signed.command.issued_at)
    assert accepted.operators == ("alice",)
    assert "Sent, waiting for the locker" in client.get(where).get_data(as_text=True)


def test_the_lockers_answers_move_the_command_on(
    client: FlaskClient, centre: Centre, commands_heard: Listener
) -> None:
    login(client, "alice")
    where = _open_door(client, PASSWORDS["alice"])
    nonce = where.rsplit("/", 1)[1]
    result = {"nonce": nonce, "action": "force_open", "operator": "alice"}

    commands_heard.publish(
        f"lockers/{LOCKER}/cmd/result", json.dumps({**result, "status": "accepted"}).encode()
    )
    assert wait_for(lambda: command_log.one(centre.store, nonce).status == "accepted", 10)
    commands_heard.publish(
        f"lockers/{LOCKER}/cmd/result",
        json.dumps(
            {**result, "status": "done", "outcome": {"door": "A01", "opened": True}}
        ).encode(),
    )

    assert wait_for(lambda: command_log.one(centre.store, nonce).status == "done", 10)
    assert "Door A01 opened." in client.get(where).get_data(as_text=True)


def test_a_wrong_password_sends_nothing_and_records_nothing(
    client: FlaskClient, centre: Centre, commands_heard: Listener
) -> None:
    login(client, "alice")
    where = _open_door(client, "not-alices-password")

    assert where.startswith("/remote?")
    assert "Wrong password: nothing was sent." in client.get(where).get_data(as_text=True)
    assert command_log.recent(centre.store) == []
    assert commands_heard.wait(1, timeout_s=1) == []


def test_the_same_form_posted_three_times_at_once_sends_one_command(
    client: FlaskClient, centre: Centre, commands_heard: Listener
) -> None:
    login(client, "alice")
    token, request_id = form_ids(client, "/remote")
    cookie = client.get_cookie("centre_session")
    assert cookie is not None
    form = {
        "csrf_token": token,
        "request_id": request_id,
        "locker": LOCKER,
        "action": "force_open",
        "door": "A02",
        "reason": "jammed",
        "password": PASSWORDS["alice"],
    }
    places: list[str] = []
    start = threading.Barrier(3)

    def tap() -> None:
        browser = centre.app.test_client()
        browser.set_cookie("centre_session", cookie.value)
        start.wait()
        places.append(str(browser.post("/remote", data=form).location))

    taps = [threading.Thread(target=tap) for _ in range(3)]
    for thread in taps:
        thread.start()
    for thread in taps:
        thread.join(30)

    assert len(places) == 3 and len(set(places)) == 1
    assert len(command_log.recent(centre.store)) == 1
    assert len(commands_heard.wait(2, timeout_s=2)) == 1


def test_an_occupied_door_goes_out_with_a_second_operators_signature(
    client: FlaskClient, centre: Centre, commands_heard: Listener, root
) -> None:
    login(client, "alice")
    first = _open_door(client, PASSWORDS["alice"]).rsplit("/", 1)[1]
    commands_heard.wait(1)
    commands_heard.publish(
        f"lockers/{LOCKER}/cmd/result",
        json.dumps(
            {
                "nonce": first,
                "action": "force_open",
                "operator": "alice",
                "status": "refused",
                "code": "remote.second_signature",
                "detail": "door A01 holds a parcel",
            }
        ).encode(),
    )
    assert wait_for(lambda: command_log.one(centre.store, first).status == "refused", 10)
    page = client.get(f"/commands/{first}").get_data(as_text=True)
    assert "Ask a second operator" in page

    token, request_id = form_ids(client, f"/commands/{first}")
    asked = client.post(
        f"/commands/{first}/second",
        data={"csrf_token": token, "request_id": request_id, "password": PASSWORDS["alice"]},
    )
    pending = asked.location.rsplit("/", 1)[1]
    assert command_log.one(centre.store, pending).status == "pending"
    assert len(commands_heard.wait(2, timeout_s=1)) == 1, "nothing leaves before the approval"

    # Alice cannot approve her own command; Bob, on his own console, can.
    assert "Approve as second operator" not in client.get(asked.location).get_data(as_text=True)
    bob = centre.app.test_client()
    login(bob, "bob")
    token, request_id = form_ids(bob, f"/commands/{pending}")
    bob.post(
        f"/commands/{pending}/countersign",
        data={"csrf_token": token, "request_id": request_id, "password": PASSWORDS["bob"]},
    )

    heard = commands_heard.wait(2)
    assert len(heard) == 2
    signed = command_from_bytes(heard[1][1])
    accepted = check_command(heard[1][1], LOCKER, root.public_key(), signed.command.issued_at)
    assert accepted.operators == ("alice", "bob")
    assert command_log.one(centre.store, pending).status == "sent"


def test_a_countersignature_with_a_wrong_password_sends_nothing(
    client: FlaskClient, centre: Centre, commands_heard: Listener
) -> None:
    login(client, "alice")
    nonce = centre.app.extensions["centre_desk"].send(
        "f" * 32,
        LOCKER,
        "force_open",
        {"door": "A01", "reason": "stuck"},
        "alice",
        PASSWORDS["alice"],
        pending=True,
    )
    bob = centre.app.test_client()
    login(bob, "bob")
    token, request_id = form_ids(bob, f"/commands/{nonce}")
    answer = bob.post(
        f"/commands/{nonce}/countersign",
        data={"csrf_token": token, "request_id": request_id, "password": "not-bobs"},
        follow_redirects=True,
    )

    assert "Wrong password: nothing was sent." in answer.get_data(as_text=True)
    assert command_log.one(centre.store, nonce).status == "pending"
    assert commands_heard.wait(1, timeout_s=1) == []
