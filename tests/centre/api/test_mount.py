"""The centre serves the console and the API from one app: the console's session and forms stay
the console's."""

from __future__ import annotations

from locker.centre.carriers import add_carrier
from locker.centre.serve import Centre
from tests.centre.api.conftest import START, bearer


def test_the_centre_serves_the_console_and_the_api(centre: Centre) -> None:
    client = centre.app.test_client()
    token = add_carrier(centre.store, "acme", START)

    console = client.get("/login")
    lockers = client.get("/api/v1/lockers", headers=bearer(token))

    assert console.status_code == 200 and console.mimetype == "text/html"
    assert lockers.status_code == 200 and lockers.get_json()["lockers"][0]["id"] == "TEST-01"
    assert client.get("/").status_code in (200, 302, 303)


def test_the_api_needs_no_console_form_token_and_sets_no_session(centre: Centre) -> None:
    client = centre.app.test_client()
    token = add_carrier(centre.store, "acme", START)

    answer = client.put(
        "/api/v1/webhooks",
        headers=bearer(token),
        json={"url": "https://acme.example/hook", "secret": "a-secret-of-16-chars"},
    )

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "Set-Cookie" not in answer.headers
    assert client.get("/api/nothing").mimetype == "application/problem+json"
    assert client.get("/api").mimetype == "application/problem+json"
    assert client.get("/apix").mimetype == "text/html"
