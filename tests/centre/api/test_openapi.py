"""The OpenAPI document is generated, valid, and true: schemathesis holds every route to it."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from apiflask import APIFlask
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
)

from locker.centre.api import create_api
from locker.centre.carriers import add_carrier
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore
from tests.centre.api.conftest import GENEROUS_LIMIT, START, Clock, bearer

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, ignored_auth]


def test_the_document_is_valid_openapi_3_1(client: Any) -> None:
    answer = client.get("/api/openapi.json")

    assert answer.status_code == 200 and answer.mimetype == "application/json"
    document = answer.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_operation_documents_its_errors_as_problems(client: Any) -> None:
    document = client.get("/api/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"BearerAuth": []}], (path, method)
            for status in ("401", "429"):
                assert status in operation["responses"], (path, method, status)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"]
    assert "/api/v1/lockers" in document["paths"] and "/api/v1/webhooks" in document["paths"]


def test_the_docs_page_is_served(client: Any) -> None:
    answer = client.get("/api/docs")
    assert answer.status_code == 200 and "/api/openapi.json" in answer.get_data(as_text=True)


@pytest.fixture
def fuzzed(tmp_path: Any) -> tuple[APIFlask, str]:
    """The API with a carrier and a locker, and the carrier's token."""
    store = CentreStore(f"sqlite:///{tmp_path / 'centre.db'}")
    store.note_status("SH-0001", True, START)
    store.note_state("SH-0001", {"free": {"S": 1}, "total": {"S": 2}}, START)
    token = add_carrier(store, "acme", START)
    settings = CentreSettings(
        fleet_db=f"sqlite:///{tmp_path / 'centre.db'}", api_rate_limit=GENEROUS_LIMIT
    )
    return create_api(store, settings, clock=Clock()), token


def _operations(app: APIFlask) -> list[Any]:
    """Every operation of the document, as schemathesis loads it from the app."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    return operations


# A few examples per operation keep this to seconds; derandomized, so a failure repeats.
FEW = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


def test_every_operation_with_a_token_keeps_to_the_document(
    fuzzed: tuple[APIFlask, str],
) -> None:
    app, token = fuzzed
    for operation in _operations(app):

        @FEW
        @given(case=operation.as_strategy())
        def holds(case: Any) -> None:
            case.call_and_validate(headers=bearer(token), checks=CHECKS)

        holds()


def test_every_operation_without_a_token_is_refused_as_documented(
    fuzzed: tuple[APIFlask, str],
) -> None:
    app, _ = fuzzed
    for operation in _operations(app):

        @FEW
        @given(case=operation.as_strategy())
        def refused(case: Any) -> None:
            answer = case.call()
            case.validate_response(answer, checks=CHECKS)
            assert answer.status_code == 401

        refused()
