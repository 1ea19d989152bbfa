"""A carrier API over a fresh SQLite store, with a clock the tests move, and two carriers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from locker.centre.api import create_api
from locker.centre.carriers import add_carrier
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore

START = 1_790_000_000.0
# High enough that only the rate limit's own tests ever meet it.
GENEROUS_LIMIT = "100000/minute"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def bearer(token: str) -> dict[str, str]:
    """The header a carrier authenticates with."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_store(tmp_path: Path) -> Iterator[CentreStore]:
    """The centre's store on a fresh SQLite file."""
    store = CentreStore(f"sqlite:///{tmp_path / 'centre.db'}")
    yield store
    store.close()


@pytest.fixture
def api_settings(tmp_path: Path) -> CentreSettings:
    """The centre's settings, with a rate limit the tests do not reach."""
    return CentreSettings(
        fleet_db=f"sqlite:///{tmp_path / 'centre.db'}", api_rate_limit=GENEROUS_LIMIT
    )


@pytest.fixture
def clock() -> Clock:
    """The API's clock."""
    return Clock()


@pytest.fixture
def api(api_store: CentreStore, api_settings: CentreSettings, clock: Clock) -> APIFlask:
    """The carrier API alone, as the centre mounts it."""
    return create_api(api_store, api_settings, clock=clock)


@pytest.fixture
def client(api: APIFlask) -> FlaskClient:
    """A carrier's HTTP client on the API."""
    return api.test_client()


@pytest.fixture
def acme(api_store: CentreStore) -> dict[str, str]:
    """Carrier acme's authorisation header."""
    return bearer(add_carrier(api_store, "acme", START))


@pytest.fixture
def other(api_store: CentreStore) -> dict[str, str]:
    """Another carrier's authorisation header."""
    return bearer(add_carrier(api_store, "other-post", START))


def assert_problem(answer: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is an RFC 9457 problem with this status (and code); its body."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json", answer.headers
    body = answer.get_json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "code"} <= set(body), body
    if code is not None:
        assert body["code"] == code, body
    return body
