"""Operators' logins on the console: sessions, logout, CSRF and the failure budget."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient

from locker.centre.remote import RemoteDesk
from locker.centre.serve import Centre
from locker.centre.settings import CentreSettings
from locker.centre.web import create_console
from tests.centre.conftest import PASSWORDS, csrf, login


def test_every_page_asks_for_a_login_first(client: FlaskClient) -> None:
    for path in ("/", "/alarms", "/remote", "/lockers/TEST-01", "/live"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.location.startswith("/login")


def test_an_operator_logs_in_and_sees_the_fleet(client: FlaskClient) -> None:
    login(client, "alice")
    page = client.get("/").get_data(as_text=True)
    assert "TEST-01" in page and "Online" in page


def test_a_wrong_password_says_so_and_logs_nobody_in(client: FlaskClient) -> None:
    answer = client.post(
        "/login",
        data={"username": "alice", "password": "not-hers-at-all", "csrf_token": csrf(client)},
        follow_redirects=True,
    )
    assert "Wrong username or password." in answer.get_data(as_text=True)
    assert client.get("/").status_code == 303


def test_logout_ends_the_session_and_every_copy_of_its_cookie(client: FlaskClient) -> None:
    login(client, "alice")
    kept = client.get_cookie("centre_session")
    assert kept is not None
    answer = client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert answer.status_code == 303

    client.set_cookie("centre_session", kept.value)
    assert client.get("/").status_code == 303


def test_a_form_without_its_token_is_refused_and_changes_nothing(client: FlaskClient) -> None:
    answer = client.post("/login", data={"username": "alice", "password": PASSWORDS["alice"]})
    assert answer.status_code == 400
    assert "This form has expired" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 303


def test_after_five_failures_even_the_right_password_waits(client: FlaskClient) -> None:
    for _ in range(5):
        client.post(
            "/login",
            data={"username": "alice", "password": "wrong-password", "csrf_token": csrf(client)},
        )
    answer = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORDS["alice"], "csrf_token": csrf(client)},
        follow_redirects=True,
    )
    assert "Too many failed logins" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 303


def test_the_console_speaks_chinese_when_asked(client: FlaskClient) -> None:
    login(client, "alice")
    page = client.get("/?lang=zh").get_data(as_text=True)
    assert "柜机群" in page and "在线" in page


@pytest.mark.usefixtures("centre_db_url")
def test_the_failure_budget_is_one_for_every_centre_process(
    centre: Centre, settings: CentreSettings
) -> None:
    """A second console process on the same store sees the first one's failures."""
    other = create_console(settings, centre.store, RemoteDesk(centre.store, lambda t, p: False))
    first, second = centre.app.test_client(), other.test_client()
    for n in range(5):
        browser = first if n % 2 else second
        browser.post(
            "/login",
            data={"username": "alice", "password": "wrong-password", "csrf_token": csrf(browser)},
        )
    for browser in (first, second):
        answer = browser.post(
            "/login",
            data={
                "username": "alice",
                "password": PASSWORDS["alice"],
                "csrf_token": csrf(browser),
            },
            follow_redirects=True,
        )
        assert "Too many failed logins" in answer.get_data(as_text=True)


@pytest.mark.usefixtures("centre_db_url")
def test_twelve_wrong_passwords_at_once_are_judged_as_five(centre: Centre) -> None:
    browsers = [centre.app.test_client() for _ in range(12)]
    tokens = [csrf(browser) for browser in browsers]
    start = threading.Barrier(len(browsers))
    judged: list[str] = []

    def try_once(browser: FlaskClient, token: str) -> None:
        start.wait()
        answer = browser.post(
            "/login",
            data={"username": "alice", "password": "wrong-password", "csrf_token": token},
            follow_redirects=True,
        )
        judged.append(answer.get_data(as_text=True))

    threads = [
        threading.Thread(target=try_once, args=pair) for pair in zip(browsers, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    wrong = [page for page in judged if "Wrong username or password" in page]
    assert len(wrong) == 5
    assert len(judged) == 12
