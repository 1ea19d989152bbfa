"""Pre-advice, parcel status and reservations over HTTP: 202 and pending, never waiting on a
locker; each carrier sees and changes only its own; refusals are problems in its language."""

from __future__ import annotations

import threading
from typing import Any

from flask.testing import FlaskClient

from locker.centre.store import CentreStore
from locker.domain.audit_chain import seal
from tests.centre.api.conftest import START, assert_problem

LOCKER = "L-001"
PREADVICE = {
    "tracking": "AC123456789CN",
    "locker": LOCKER,
    "phone": "13812345678",
    "size": "M",
    "expected_at": "2026-09-21T18:00:00+08:00",
}


def known_locker(store: CentreStore) -> None:
    store.note_status(LOCKER, False, START)


def test_a_preadvice_is_accepted_pending_and_shown_with_a_masked_phone(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    known_locker(api_store)
    answer = client.post("/api/v1/parcels", json=PREADVICE, headers=acme)
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert (body["state"], body["reason"]) == ("pending", "locker offline")
    assert body["phone"] == "*******5678" and "13812345678" not in answer.get_data(as_text=True)
    assert body["expected_at"] == "2026-09-21T10:00:00+00:00"
    status = client.get(f"/api/v1/parcels/{PREADVICE['tracking']}", headers=acme).get_json()
    assert status["state"] == "pending" and status["preadvice"]["state"] == "pending"


def test_three_identical_preadvices_at_once_are_one(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore, api: Any
) -> None:
    known_locker(api_store)
    start = threading.Barrier(3)
    answers: list[int] = []

    def post() -> None:
        browser = api.test_client()
        start.wait()
        reply = browser.post(
            "/api/v1/parcels", json=PREADVICE, headers={**acme, "Idempotency-Key": "k-1"}
        )
        answers.append(reply.status_code)

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(code in (202, 409) for code in answers) and 202 in answers, answers
    with api_store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM preadvices").scalar() == 1


def test_a_parcel_already_deposited_is_a_409_with_its_state_in_the_callers_language(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    known_locker(api_store)
    record = seal(
        None,
        "2026-09-21T09:00:00+00:00",
        "courier:1",
        "parcel.deposited",
        PREADVICE["tracking"],
        {"parcel_id": 1, "compartment": "A01", "carrier": "acme"},
    )
    api_store.store_events([(LOCKER, record)], START)
    answer = client.post(
        "/api/v1/parcels", json=PREADVICE, headers={**acme, "Accept-Language": "zh"}
    )
    body = assert_problem(answer, 409, "parcel.already_deposited")
    assert body["state"] == "deposited" and "已投入" in body["title"]


def test_a_bad_field_is_a_422_naming_it(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    known_locker(api_store)
    for field, value in (("phone", "12"), ("tracking", "AC\x0012"), ("size", "XXXL")):
        answer = client.post("/api/v1/parcels", json={**PREADVICE, field: value}, headers=acme)
        body = assert_problem(answer, 422)
        assert field in str(body.get("errors")), body
    with api_store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM preadvices").scalar() == 0


def test_an_unknown_locker_is_a_404(client: FlaskClient, acme: dict[str, str]) -> None:
    assert_problem(client.post("/api/v1/parcels", json=PREADVICE, headers=acme), 404)


def test_a_reservation_is_pending_then_cancelled_without_the_locker_when_it_never_left(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    known_locker(api_store)
    ask = {"locker": LOCKER, "size": "S", "count": 2, "ttl_seconds": 3600}
    answer = client.post("/api/v1/reservations", json=ask, headers=acme)
    assert answer.status_code == 202
    held = answer.get_json()
    assert (held["state"], held["count"]) == ("pending", 2)
    shown = client.get(f"/api/v1/reservations/{held['id']}", headers=acme).get_json()
    assert shown["id"] == held["id"]
    gone = client.delete(f"/api/v1/reservations/{held['id']}", headers=acme)
    assert gone.status_code == 202 and gone.get_json()["state"] == "cancelled"


def test_a_carrier_cannot_see_or_change_another_carriers_orders(
    client: FlaskClient, acme: dict[str, str], other: dict[str, str], api_store: CentreStore
) -> None:
    known_locker(api_store)
    client.post("/api/v1/parcels", json=PREADVICE, headers=acme)
    ask = {"locker": LOCKER, "size": "S", "count": 1, "ttl_seconds": 600}
    held = client.post("/api/v1/reservations", json=ask, headers=acme).get_json()
    tracking = PREADVICE["tracking"]
    for method, path in (
        ("get", f"/api/v1/parcels/{tracking}"),
        ("delete", f"/api/v1/parcels/{tracking}"),
        ("get", f"/api/v1/reservations/{held['id']}"),
        ("delete", f"/api/v1/reservations/{held['id']}"),
    ):
        assert_problem(getattr(client, method)(path, headers=other), 404)
    # Unchanged for their owner.
    assert client.get(f"/api/v1/parcels/{tracking}", headers=acme).get_json()["state"] == "pending"
    mine = client.get(f"/api/v1/reservations/{held['id']}", headers=acme).get_json()
    assert mine["state"] == "pending"
    # The other carrier may pre-advise its own parcel with the same number: another parcel.
    assert client.post("/api/v1/parcels", json=PREADVICE, headers=other).status_code == 202
