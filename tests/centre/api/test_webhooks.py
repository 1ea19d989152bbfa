"""A carrier registers, reads and removes its one webhook; the URL must be one we can call."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from locker.centre.api.webhooks import MAX_URL_CHARS
from locker.centre.carrier_webhooks import WebhookTargets
from locker.centre.store import CentreStore
from locker.notify.webhook import _target
from tests.centre.api.conftest import assert_problem

HOOK = {
    "url": "https://acme.example/hooks/locker?v=1",
    "secret": "a-secret-of-32-characters-long!!",
}


def _put(client: FlaskClient, headers: dict[str, str], body: Any):  # type: ignore[no-untyped-def]
    return client.put("/api/v1/webhooks", headers=headers, json=body)


def test_a_registered_webhook_receives_the_carriers_events(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    answer = _put(client, acme, HOOK)

    assert answer.status_code == 200
    assert answer.get_json() == {"url": HOOK["url"], "updated_at": "2026-09-21T14:13:20Z"}
    assert WebhookTargets(api_store).of("acme") == (HOOK["url"], HOOK["secret"])


def test_the_webhook_is_shown_without_its_secret(client: FlaskClient, acme: dict[str, str]) -> None:
    _put(client, acme, HOOK)

    answer = client.get("/api/v1/webhooks", headers=acme)

    assert answer.get_json() == {"url": HOOK["url"], "updated_at": "2026-09-21T14:13:20Z"}
    assert HOOK["secret"] not in answer.get_data(as_text=True)


def test_registering_again_replaces_the_one_webhook(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    _put(client, acme, HOOK)
    _put(client, acme, {"url": "http://10.0.0.5:8080/in", "secret": "another-secret-16"})

    assert WebhookTargets(api_store).of("acme") == ("http://10.0.0.5:8080/in", "another-secret-16")


def test_deleting_removes_it_and_a_carrier_without_one_gets_404(
    client: FlaskClient, acme: dict[str, str], api_store: CentreStore
) -> None:
    _put(client, acme, HOOK)

    assert client.delete("/api/v1/webhooks", headers=acme).status_code == 204
    assert client.delete("/api/v1/webhooks", headers=acme).status_code == 204

    assert WebhookTargets(api_store).of("acme") is None
    assert_problem(client.get("/api/v1/webhooks", headers=acme), 404, "no_webhook")


def test_a_carrier_neither_sees_nor_changes_anothers_webhook(
    client: FlaskClient, acme: dict[str, str], other: dict[str, str], api_store: CentreStore
) -> None:
    _put(client, acme, HOOK)

    assert_problem(client.get("/api/v1/webhooks", headers=other), 404, "no_webhook")
    client.delete("/api/v1/webhooks", headers=other)
    _put(client, other, {"url": "https://other.example/", "secret": "other-secret-123"})

    assert WebhookTargets(api_store).of("acme") == (HOOK["url"], HOOK["secret"])
    assert client.get("/api/v1/webhooks", headers=acme).get_json()["url"] == HOOK["url"]
    assert (
        client.get("/api/v1/webhooks", headers=other).get_json()["url"] == "https://other.example/"
    )


BAD_URLS = [
    "",
    "acme.example/hook",
    "ftp://acme.example/hook",
    "https://",
    "https:///path",
    "https://user:pw@acme.example/",
    "https://user@acme.example/",
    "https://acme.example/a b",
    "https://acme.example/\u00e9",
    "https://acme.example/\x00",
    "https://acme.example/\r\nX: y",
    "https://acme.example/hook\n",
    "https://acme.exa\tmple/",
    "https://acme.example:99999/",
    "https://[::1/",
    "https://acme.example/" + "a" * 2100,
    "javascript:alert(1)",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_url_the_webhook_channel_would_not_call_is_refused(
    client: FlaskClient, acme: dict[str, str], url: str
) -> None:
    body = assert_problem(_put(client, acme, {**HOOK, "url": url}), 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["url"]


GOOD_URLS = [
    "https://acme.example/hook",
    "http://127.0.0.1:9000/",
    "https://[2001:db8::1]:8443/in?x=1&y=%20",
    "HTTPS://ACME.EXAMPLE",
]


@pytest.mark.parametrize("url", [u for u in GOOD_URLS + BAD_URLS if len(u) <= MAX_URL_CHARS])
def test_the_api_takes_exactly_the_urls_the_channel_calls(
    client: FlaskClient, acme: dict[str, str], url: str
) -> None:
    # Up to the API's length limit, which keeps the store's rows small.
    accepted = _put(client, acme, {**HOOK, "url": url}).status_code == 200
    assert accepted == (_target(url, HOOK["secret"]) is not None)
    assert accepted == (url in GOOD_URLS)


@pytest.mark.parametrize(
    "secret", ["", "short", "x" * 15, "x" * 201, "sixteen-chars-ok\x00", "line\nbreak-secret-16"]
)
def test_a_secret_is_16_to_200_printable_characters(
    client: FlaskClient, acme: dict[str, str], secret: str
) -> None:
    body = assert_problem(_put(client, acme, {**HOOK, "secret": secret}), 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["secret"]


@pytest.mark.parametrize("secret", ["x" * 16, "x" * 200, "密钥" * 8, "with spaces inside it"])
def test_good_secrets_are_taken(client: FlaskClient, acme: dict[str, str], secret: str) -> None:
    assert _put(client, acme, {**HOOK, "secret": secret}).status_code == 200
