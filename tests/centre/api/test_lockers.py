"""GET /api/v1/lockers: every locker's status and space by size, from its retained state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from locker.centre.api.lockers import STALE_AFTER_S
from locker.centre.schema import lockers
from locker.centre.store import CentreStore
from tests.centre.api.conftest import START, Clock, assert_problem

STATE = {
    "free": {"S": 3, "M": 1, "L": 0, "XL": 0},
    "total": {"S": 10, "M": 4, "L": 2, "XL": 1},
    "attention": [],
    "boards_ok": True,
    "clock": START,
}


def _listing(client: FlaskClient, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    answer = client.get(f"/api/v1/lockers{query}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "application/json"
    body: dict[str, Any] = answer.get_json()
    return body


def test_a_locker_shows_its_status_and_space(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore, clock: Clock
) -> None:
    api_store.note_status("SH-0001", True, START - 5)
    api_store.note_state("SH-0001", STATE, START - 1)

    body = _listing(client, acme)

    assert body == {
        "lockers": [
            {
                "id": "SH-0001",
                "online": True,
                "last_seen": "2026-09-21T14:13:19Z",
                "state_at": "2026-09-21T14:13:19Z",
                "stale": False,
                "free": STATE["free"],
                "total": STATE["total"],
            }
        ],
        "next_cursor": None,
    }


def test_a_locker_never_heard_from_in_full_is_stale_with_no_space(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    api_store.note_status("SH-0002", False, START - 100)

    (locker,) = _listing(client, acme)["lockers"]

    assert locker["online"] is False and locker["stale"] is True
    assert locker["state_at"] is None
    assert locker["free"] == {} and locker["total"] == {}


def test_a_state_older_than_five_minutes_is_stale(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore, clock: Clock
) -> None:
    api_store.note_state("SH-0001", STATE, START)
    assert _listing(client, acme)["lockers"][0]["stale"] is False

    clock.now = START + STALE_AFTER_S + 1

    assert _listing(client, acme)["lockers"][0]["stale"] is True


@pytest.mark.parametrize(
    "state",
    [
        "not json",
        "[1, 2]",
        json.dumps({"free": "lots", "total": None}),
        json.dumps({"free": {"S": -1, "M": True, "L": 1.5, "XXL": 4, "S\x00": 2}, "total": []}),
        json.dumps({"free": {"S": 10**30}, "total": {"S": "3"}}),
    ],
)
def test_a_garbled_state_shows_only_the_counts_that_make_sense(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore, state: str
) -> None:
    api_store.note_state("SH-0001", {}, START)
    with api_store.engine.begin() as connection:
        connection.execute(update(lockers).values(state=state))

    (locker,) = _listing(client, acme)["lockers"]

    assert set(locker["free"]) <= {"S", "M", "L", "XL"}
    assert all(isinstance(n, int) and 0 <= n < 2**31 for n in locker["free"].values())
    assert locker["total"] == {}


def test_held_doors_are_not_shown_as_free(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    # The locker's `free` already leaves out doors held for a carrier; the API passes it on.
    api_store.note_state("SH-0001", {**STATE, "held": {"S": 2}}, START)

    (locker,) = _listing(client, acme)["lockers"]

    assert locker["free"] == STATE["free"] and "held" not in locker


def test_the_list_comes_in_pages(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    for n in range(7):
        api_store.note_status(f"L-{n:03}", True, START)

    seen, cursor, pages = [], "", 0
    while True:
        body = _listing(client, acme, f"?limit=3{cursor}")
        seen += [locker["id"] for locker in body["lockers"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={body['next_cursor']}"

    assert seen == [f"L-{n:03}" for n in range(7)] and pages == 3


def test_the_default_page_is_100_and_at_most_1000(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    for n in range(101):
        api_store.note_status(f"L-{n:04}", True, START)

    assert len(_listing(client, acme)["lockers"]) == 100
    assert len(_listing(client, acme, "?limit=1000")["lockers"]) == 101
    assert_problem(client.get("/api/v1/lockers?limit=1001", headers=acme), 422, "invalid_input")


def test_every_carrier_sees_every_locker(
    client: FlaskClient, acme: dict[str, str], other: dict[str, str], api_store: CentreStore
) -> None:
    api_store.note_status("SH-0001", True, START)
    assert _listing(client, acme) == _listing(client, other)


@pytest.mark.parametrize("cursor", ["L-001%0A", "%00", "L 1", "x" * 65, "-L"])
def test_a_cursor_is_a_locker_id(client: FlaskClient, acme: dict[str, str], cursor: str) -> None:
    body = assert_problem(client.get(f"/api/v1/lockers?cursor={cursor}", headers=acme), 422)
    assert [e["field"] for e in body["errors"]] == ["cursor"]
