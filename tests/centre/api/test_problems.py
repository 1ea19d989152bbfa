"""Every error is an RFC 9457 problem in the caller's language, with a stable code."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from locker.centre.api.problems import PROBLEMS
from tests.centre.api.conftest import assert_problem

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_every_problem_speaks_english_and_chinese(code: str) -> None:
    entry = PROBLEMS[code]
    assert entry.title["en"] and entry.detail["en"]
    assert CJK.search(entry.title["zh"]) and CJK.search(entry.detail["zh"]), code
    assert not CJK.search(entry.title["en"] + entry.detail["en"]), code
    # Both languages fill in the same blanks.
    blanks = re.compile(r"\{(\w+)\}")
    assert set(blanks.findall(entry.detail["en"])) == set(blanks.findall(entry.detail["zh"]))


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        (None, "en"),
        ("en", "en"),
        ("zh", "zh"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh-Hans-CN", "zh"),
        ("fr-FR, de;q=0.5", "en"),
        ("en;q=0.1, zh;q=0.9", "zh"),
        ("*", "en"),
        ("q=;;,,zh;q=x", "en"),
    ],
)
def test_the_problem_is_told_in_the_callers_language(
    client: FlaskClient, accept: str | None, language: str
) -> None:
    headers = {"Accept-Language": accept} if accept is not None else {}

    answer = client.get("/api/v1/lockers", headers=headers)

    body = assert_problem(answer, 401, "unauthorized")
    assert answer.headers["Content-Language"] == language
    assert "Accept-Language" in answer.headers["Vary"]
    assert body["title"] == PROBLEMS["unauthorized"].title[language]
    assert bool(CJK.search(body["detail"])) == (language == "zh")


def test_an_unknown_path_is_a_404_problem(client: FlaskClient) -> None:
    body = assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert body["type"].endswith("not_found") and body["title"]


def test_a_method_the_route_lacks_is_a_405_problem(
    client: FlaskClient, acme: dict[str, str]
) -> None:
    answer = client.post("/api/v1/lockers", headers=acme, json={})
    assert_problem(answer, 405, "method_not_allowed")
    assert "GET" in answer.headers["Allow"]


def test_a_validation_error_names_the_field_in_both_languages(
    client: FlaskClient, acme: dict[str, str]
) -> None:
    for language, words in (("en", "limit"), ("zh", "limit")):
        answer = client.get(
            "/api/v1/lockers?limit=0", headers={**acme, "Accept-Language": language}
        )
        body = assert_problem(answer, 422, "invalid_input")
        assert words in body["detail"]
        assert body["errors"] == [
            {"in": "query", "field": "limit", "messages": body["errors"][0]["messages"]}
        ]
        assert body["errors"][0]["messages"]


def test_a_missing_field_in_a_body_is_named(client: FlaskClient, acme: dict[str, str]) -> None:
    answer = client.put("/api/v1/webhooks", headers=acme, json={"url": "https://a.example/"})
    body = assert_problem(answer, 422, "invalid_input")
    assert [(e["in"], e["field"]) for e in body["errors"]] == [("body", "secret")]
    assert "secret" in body["detail"]


def test_problem_types_are_stable_identifiers(client: FlaskClient) -> None:
    body = assert_problem(client.get("/api/v1/lockers"), 401)
    assert body["type"] == "urn:parcel-locker:problem:unauthorized"
