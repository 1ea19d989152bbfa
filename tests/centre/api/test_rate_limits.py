"""Each carrier's token has its own request budget; past it, a 429 problem with Retry-After."""

from __future__ import annotations

from pathlib import Path

import pytest
from apiflask import APIFlask

from locker.centre.api import create_api
from locker.centre.settings import CentreSettings, CentreSettingsError, load_centre_settings
from locker.centre.store import CentreStore
from tests.centre.api.conftest import Clock, assert_problem


@pytest.fixture
def tight(api_store: CentreStore, tmp_path: Path, clock: Clock) -> APIFlask:
    """The API with a budget of three requests a day (a day: no window ends during the test)."""
    settings = CentreSettings(
        fleet_db=f"sqlite:///{tmp_path / 'centre.db'}", api_rate_limit="3/day"
    )
    return create_api(api_store, settings, clock=clock)


def test_past_its_budget_a_carrier_gets_429_with_retry_after(
    tight: APIFlask, acme: dict[str, str]
) -> None:
    client = tight.test_client()
    for _ in range(3):
        assert client.get("/api/v1/lockers", headers=acme).status_code == 200

    answer = client.get("/api/v1/lockers", headers={**acme, "Accept-Language": "zh"})

    body = assert_problem(answer, 429, "rate_limited")
    wait = int(answer.headers["Retry-After"])
    assert 0 < wait <= 24 * 3600
    assert str(wait) in body["detail"]


def test_one_carrier_spending_its_budget_leaves_anothers_alone(
    tight: APIFlask, acme: dict[str, str], other: dict[str, str]
) -> None:
    client = tight.test_client()
    for _ in range(4):
        client.get("/api/v1/lockers", headers=acme)

    assert client.get("/api/v1/lockers", headers=other).status_code == 200


def test_requests_without_a_token_have_a_budget_too(tight: APIFlask) -> None:
    client = tight.test_client()
    for _ in range(3):
        assert client.get("/api/v1/lockers").status_code == 401

    assert_problem(client.get("/api/v1/lockers"), 429, "rate_limited")


def test_the_default_and_a_wrong_rate_limit_setting() -> None:
    assert load_centre_settings(environ={}).api_rate_limit == "20/second;600/minute"
    for wrong in ("lots", "", "0/second", "5/fortnight"):
        with pytest.raises(CentreSettingsError, match="api_rate_limit"):
            load_centre_settings(environ={"CENTRE_API_RATE_LIMIT": wrong})
