"""Hostile input on every route: a problem with a 4xx status, never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.centre.api.conftest import assert_problem

BODY_ROUTES = [
    ("PUT", "/api/v1/webhooks"),
    ("POST", "/api/v1/webhooks"),
    ("POST", "/api/v1/parcels"),
    ("POST", "/api/v1/reservations"),
]
ROUTES = [
    ("GET", "/api/v1/lockers"),
    ("GET", "/api/v1/webhooks"),
    ("DELETE", "/api/v1/webhooks"),
    ("GET", "/api/v1/parcels/AC123456789CN"),
    ("DELETE", "/api/v1/parcels/AC123456789CN"),
    ("GET", "/api/v1/reservations/abc"),
    ("DELETE", "/api/v1/reservations/abc"),
]
ROUTES += BODY_ROUTES

JSON = "application/json"
HOSTILE_BODIES: list[tuple[bytes, str]] = [
    (b"{", JSON),
    (b"", JSON),
    (b"null", JSON),
    (b"[]", JSON),
    (b'"text"', JSON),
    (b"1e309", JSON),
    (b'{"url": 1e309, "secret": 1e309}', JSON),
    (b'{"url": NaN, "secret": Infinity}', JSON),
    (b'{"url": ' + b"9" * 5000 + b', "secret": "x"}', JSON),
    (b"[" * 30_000 + b"]" * 30_000, JSON),
    (b'{"url": {"url": {"url": []}}, "secret": [null]}', JSON),
    (b'{"url": "https://a.example/\\u0000", "secret": "\\u0000\\u0000\\u0000\\u0000"}', JSON),
    (b'{"url": "https://a.example/\\r\\nX: y", "secret": "\\ud800\\udfff-----------"}', JSON),
    (b'{"url": "https://a.example/", "secret": "\\ud800-lone-surrogate--"}', JSON),
    (b'{"url": true, "secret": false}', JSON),
    (b'{"url": "https://a.example/", "secret": "s-ecret-sixteen!", "url": "x"}', JSON),
    (b'{"url": "https://a.example/", "secret": "s-ecret-sixteen!", "extra": 1}', JSON),
    (b"\xff\xfe\x00garbage", JSON),
    (b"\xef\xbb\xbf{}", JSON),
    (b'{"url": "https://a.example/", "secret": "s-ecret-sixteen!"}', "text/plain"),
    (b"url=https://a.example/&secret=s-ecret-sixteen!", "application/x-www-form-urlencoded"),
    (b"<xml/>", "application/xml"),
    (b'{"url": "https://a.example/"}', "application/json; charset=latin-1"),
    (b"{}", "multipart/form-data; boundary=x"),
]


def _never_a_server_error(answer: Any) -> None:
    assert answer.status_code < 500, answer.get_data(as_text=True)[:500]
    if answer.status_code >= 400:
        assert_problem(answer, answer.status_code)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize(("body", "content_type"), HOSTILE_BODIES)
def test_a_hostile_body_is_refused_with_a_problem(
    client: FlaskClient,
    acme: dict[str, str],
    method: str,
    path: str,
    body: bytes,
    content_type: str,
) -> None:
    answer = client.open(
        path, method=method, data=body, headers={**acme, "Content-Type": content_type}
    )
    _never_a_server_error(answer)
    assert answer.status_code in (400, 415, 422), answer.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_body_past_64_kib_is_a_413(
    client: FlaskClient, acme: dict[str, str], method: str, path: str
) -> None:
    body = b'{"url": "https://a.example/", "secret": "' + b"x" * 70_000 + b'"}'
    answer = client.open(path, method=method, data=body, headers={**acme, "Content-Type": JSON})
    assert_problem(answer, 413, "too_large")


def test_wrong_content_types_are_a_415(client: FlaskClient, acme: dict[str, str]) -> None:
    answer = client.put(
        "/api/v1/webhooks", data="url=x", headers={**acme, "Content-Type": "text/plain"}
    )
    assert_problem(answer, 415, "unsupported_media_type")


@pytest.mark.parametrize("malformed", [b"{", b"[" * 50_000, b"1e309", b"NaN", b"\xff"])
def test_malformed_json_is_a_400(
    client: FlaskClient, acme: dict[str, str], malformed: bytes
) -> None:
    answer = client.put("/api/v1/webhooks", data=malformed, headers={**acme, "Content-Type": JSON})
    assert_problem(answer, 400, "malformed_json")


HOSTILE_QUERY_VALUES = [
    "-1",
    "0",
    "1e309",
    "9" * 5000,
    "NaN",
    "",
    "%00",
    "a%0D%0Ab",
    "x" * 5000,
    "%FF%FE",
    "1.5",
    "[1]",
    "%E2%80%AE",
]


@pytest.mark.parametrize("name", ["limit", "cursor"])
@pytest.mark.parametrize("value", HOSTILE_QUERY_VALUES)
def test_hostile_query_values_are_never_a_server_error(
    client: FlaskClient, acme: dict[str, str], name: str, value: str
) -> None:
    _never_a_server_error(client.get(f"/api/v1/lockers?{name}={value}", headers=acme))


def test_repeated_parameters_are_never_a_server_error(
    client: FlaskClient, acme: dict[str, str]
) -> None:
    _never_a_server_error(
        client.get("/api/v1/lockers?limit=1&limit=2&cursor=a&cursor=", headers=acme)
    )


HOSTILE_HEADERS = [
    {"Accept-Language": "\u00ff" * 300},
    {"Accept-Language": "zh;q=1e309, en;q=-1, *;q=NaN"},
    {"Accept-Language": ",;,;=" * 500},
    {"Accept": "application/xml"},
    {"Content-Length": "not-a-number"},
    {"Idempotency-Key": "\u00ff" * 300},
    {"Authorization": "Bearer \u00ff\u00fe"},
    {"Authorization": "Bearer " + "a" * 10_000},
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("headers", HOSTILE_HEADERS)
def test_hostile_headers_are_never_a_server_error(
    client: FlaskClient, acme: dict[str, str], method: str, path: str, headers: dict[str, str]
) -> None:
    merged = {**acme, **headers}
    answer = client.open(path, method=method, headers=merged, json={"url": "x", "secret": "y"})
    _never_a_server_error(answer)
