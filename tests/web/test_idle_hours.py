"""A page left open all night still works, and a form that cannot be trusted gets a clear page."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from locker.config import Settings
from locker.web import create_app
from tests.conftest import COURIER_PIN

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HOURS = 3600


@pytest.fixture
def app(ctx, db_path, board, clock):
    return create_app(Settings(db=db_path, language="en"), board=board, clock=clock)


def token_issued_ago(app, client, seconds: int) -> str:
    """The token the home page would have carried `seconds` ago, for this browser's session."""
    client.get("/")
    with client.session_transaction() as session:
        raw = session["csrf_token"]

    class Backdated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    # Flask-WTF signs the session's raw token with this serializer and salt.
    signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=Backdated)
    return signer.dumps(raw)


def test_a_code_typed_on_a_home_page_left_open_for_two_hours_opens_the_door(app, courier):
    receipt = courier.deposit()
    client = app.test_client()
    token = token_issued_ago(app, client, 2 * HOURS)
    response = client.post("/pickup", data={"code": receipt.code, "csrf_token": token})
    assert response.status_code == 200
    assert f"Door {receipt.compartment} is open" in response.get_data(as_text=True)


def test_a_courier_login_left_open_overnight_still_logs_in(app, courier):
    client = app.test_client()
    token = token_issued_ago(app, client, 10 * HOURS)
    response = client.post(
        "/courier/login",
        data={"courier_id": courier.id, "pin": COURIER_PIN, "csrf_token": token},
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "This screen was out of date"), ("zh", "页面已过期")],
)
def test_a_form_without_a_valid_token_gets_a_page_in_the_visitors_language(app, lang, words):
    client = app.test_client()
    client.get(f"/?lang={lang}")
    response = client.post(
        "/pickup",
        data={"code": "12345678", "csrf_token": "forged"},
        headers={"Referer": "http://localhost/"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert words in page
    assert 'id="again" href="/"' in page


def test_the_way_back_is_the_page_the_form_was_on(app):
    client = app.test_client()
    response = client.post(
        "/courier/login",
        data={"courier_id": "1", "pin": "2468"},
        headers={"Referer": "http://localhost/courier/login?lang=en"},
    )
    assert response.status_code == 400
    assert 'id="again" href="/courier/login?lang=en"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "referer",
    [
        "https://elsewhere.example/phish",
        "//elsewhere.example/",
        "http://localhost/pickup",  # a result page that only a POST shows
        "http://localhost/no-such-page",
        "http://localhost/\r\nSet-Cookie: x=1",
        "not a url at all \x00",
    ],
)
def test_the_way_back_never_leaves_the_locker_nor_leads_to_an_error(app, referer):
    response = app.test_client().post(
        "/pickup/more", data={"csrf_token": "forged"}, environ_base={"HTTP_REFERER": referer}
    )
    assert response.status_code == 400
    assert 'id="again" href="/"' in response.get_data(as_text=True)
