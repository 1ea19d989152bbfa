"""Every route wants a carrier's live token; without one the answer is a 401 problem."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from locker.centre.carriers import add_carrier, revoke_carrier
from locker.centre.store import CentreStore
from tests.centre.api.conftest import START, assert_problem, bearer

ROUTES = [
    ("GET", "/api/v1/lockers", None),
    ("GET", "/api/v1/webhooks", None),
    ("PUT", "/api/v1/webhooks", {"url": "https://acme.example/hook", "secret": "s" * 32}),
    ("DELETE", "/api/v1/webhooks", None),
]


def _call(client: FlaskClient, method: str, path: str, body: object, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic YWNtZTpzZWNyZXQ="},
        {"Authorization": "Token x"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
    ids=["none", "empty", "blank", "unknown", "basic", "other-scheme", "huge"],
)
def test_no_valid_token_is_a_401_problem(
    client: FlaskClient,
    acme: dict[str, str],
    method: str,
    path: str,
    body: object,
    headers: dict[str, str],
) -> None:
    answer = _call(client, method, path, body, headers)

    problem = assert_problem(answer, 401, "unauthorized")
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in problem["detail"]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_revoked_token_is_refused_at_once(
    client: FlaskClient, api_store: CentreStore, method: str, path: str, body: object
) -> None:
    token = add_carrier(api_store, "acme", START)
    assert _call(client, "GET", "/api/v1/lockers", None, bearer(token)).status_code == 200

    revoke_carrier(api_store, "acme", START + 1)

    assert_problem(_call(client, method, path, body, bearer(token)), 401, "unauthorized")


def test_a_token_of_another_carrier_re_added_is_new(
    client: FlaskClient, api_store: CentreStore
) -> None:
    old = add_carrier(api_store, "acme", START)
    revoke_carrier(api_store, "acme", START + 1)
    new = add_carrier(api_store, "acme", START + 2)

    assert_problem(_call(client, "GET", "/api/v1/lockers", None, bearer(old)), 401)
    assert _call(client, "GET", "/api/v1/lockers", None, bearer(new)).status_code == 200


def test_the_scheme_name_is_case_insensitive(client: FlaskClient, api_store: CentreStore) -> None:
    token = add_carrier(api_store, "acme", START)
    answer = client.get("/api/v1/lockers", headers={"Authorization": f"bearer {token}"})
    assert answer.status_code == 200
