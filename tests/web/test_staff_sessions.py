"""Staff sessions end for good: on logout, a new secret, a disabled account, or an idle screen.

A copied cookie is no key: each account's session version lives in the database and every
request of the role's area checks it. Short PINs are replaced at the next login, the login
pages say why a right secret must wait, and every page refuses to be framed.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from locker.config import Settings
from locker.domain.passwords import hash_secret
from locker.services.accounts import (
    check_admin,
    issue_badge,
    login_courier,
    reset_courier_pin,
    set_courier_active,
)
from locker.services.errors import AuthenticationError
from locker.services.scan_pickup import pickup_by_scan
from locker.services.scan_tickets import ScanTickets
from locker.web import create_app
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COOKIE = "session"


@pytest.fixture
def tickets(clock) -> ScanTickets:
    return ScanTickets(clock)


@pytest.fixture
def app(ctx, db_path, board, clock, tickets):
    return create_app(
        Settings(db=db_path, language="en"), board=board, clock=clock, tickets=tickets
    )


def text(response) -> str:
    return response.get_data(as_text=True)


def path_of(response) -> str:
    return urlparse(response.location or "").path


def token(client, page: str = "/courier/login") -> str:
    return CSRF.search(text(client.get(page))).group(1)


def post(client, path: str, page: str = "/courier/login", **data: str):
    return client.post(path, data={**data, "csrf_token": token(client, page)})


def courier_login(client, courier_id: int, pin: str = COURIER_PIN, **query):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    page = text(client.get("/courier/login" + suffix))
    data = {"courier_id": str(courier_id), "pin": pin, "csrf_token": CSRF.search(page).group(1)}
    return client.post("/courier/login" + suffix, data=data)


def admin_login(client, password: str = ADMIN_PASSWORD, **query):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    page = text(client.get("/admin/login" + suffix))
    data = {"username": "admin", "password": password, "csrf_token": CSRF.search(page).group(1)}
    return client.post("/admin/login" + suffix, data=data)


def copy_of(app, client):
    """Another browser holding the same session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def audit(ctx, *actions: str) -> list:
    return [r for r in ctx.store.audit_records() if r.action in actions]


# --- A copied cookie dies with the session ----------------------------------------------------


def test_a_courier_cookie_copied_before_logout_no_longer_reaches_the_menu(app, courier):
    screen = app.test_client()
    assert path_of(courier_login(screen, courier.id)) == "/courier/"
    thief = copy_of(app, screen)
    assert thief.get("/courier/").status_code == 200  # the copy works while the session lives
    post(screen, "/courier/logout")
    for path in ("/courier/", "/courier/deposit", "/courier/retrieve", "/courier/free.json"):
        response = thief.get(path)
        assert path_of(response) == "/courier/login", path
    refused = post(thief, "/courier/deposit", tracking="SF0000000001", phone="13812345678")
    assert path_of(refused) == "/courier/login"


def test_an_admin_cookie_copied_before_logout_no_longer_reaches_the_admin_pages(app, ctx):
    laptop = app.test_client()
    assert path_of(admin_login(laptop)) == "/admin/"
    thief = copy_of(app, laptop)
    assert thief.get("/admin/").status_code == 200
    post(laptop, "/admin/logout", "/admin/accounts")
    for path in ("/admin/", "/admin/doors", "/admin/accounts", "/admin/reissue"):
        assert path_of(thief.get(path)) == "/admin/login", path
    response = post(thief, "/admin/admins", "/admin/login", username="ops", password="x" * 12)
    assert path_of(response) == "/admin/login"
    with pytest.raises(AuthenticationError):
        check_admin(ctx, "ops", "x" * 12)


def test_after_a_password_change_other_sessions_go_to_the_login_and_this_one_stays(app, ctx):
    laptop, other = app.test_client(), app.test_client()
    admin_login(laptop)
    admin_login(other)
    thief = copy_of(app, laptop)
    response = post(
        laptop,
        "/admin/password",
        "/admin/accounts",
        current=ADMIN_PASSWORD,
        password="brand-new-secret",
    )
    assert "Your password was changed" in text(laptop.get(response.location))
    assert laptop.get("/admin/").status_code == 200
    assert path_of(other.get("/admin/")) == "/admin/login"
    assert path_of(thief.get("/admin/")) == "/admin/login"
    check_admin(ctx, "admin", "brand-new-secret")


def test_a_password_change_without_the_current_password_changes_nothing(app, ctx):
    laptop = app.test_client()
    admin_login(laptop)
    for current in ("", "not-the-password"):
        response = post(
            laptop, "/admin/password", "/admin/accounts", current=current, password="new-secret-1"
        )
        assert "The current password is wrong" in text(laptop.get(response.location))
    check_admin(ctx, "admin", ADMIN_PASSWORD)
    assert laptop.get("/admin/").status_code == 200


def test_the_accounts_page_asks_for_the_current_password(app):
    laptop = app.test_client()
    admin_login(laptop)
    form = text(laptop.get("/admin/accounts")).split('id="own-password"')[1].split("</form>")[0]
    assert 'name="current"' in form and 'name="password"' in form


def test_a_disabled_courier_is_logged_out_at_the_next_request(app, ctx, courier):
    screen = app.test_client()
    courier_login(screen, courier.id)
    assert screen.get("/courier/").status_code == 200
    set_courier_active(ctx, courier.id, False, "admin:admin")
    assert path_of(screen.get("/courier/")) == "/courier/login"
    set_courier_active(ctx, courier.id, True, "admin:admin")
    assert path_of(screen.get("/courier/")) == "/courier/login"  # enabling again is no login


def test_a_pin_reset_by_an_admin_logs_the_courier_out(app, ctx, courier):
    screen = app.test_client()
    courier_login(screen, courier.id)
    reset_courier_pin(ctx, courier.id, "975310", "admin:admin")
    assert path_of(screen.get("/courier/")) == "/courier/login"


def test_a_removed_admin_is_logged_out_at_the_next_request(app, ctx):
    laptop = app.test_client()
    admin_login(laptop)
    ctx.store.db.execute("DELETE FROM admins WHERE username = 'admin'")
    assert path_of(laptop.get("/admin/")) == "/admin/login"


def test_a_session_without_a_version_is_no_session(app, courier, clock):
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["courier"] = {"id": courier.id, "name": "x", "seen": clock.now().timestamp()}
        session["admin"] = {"name": "admin", "seen": clock.now().isoformat()}
    assert path_of(browser.get("/courier/")) == "/courier/login"
    assert path_of(browser.get("/admin/")) == "/admin/login"


# --- An idle session ends, and the server says so in the audit log ------------------------------


def test_an_idle_courier_session_is_audited_and_its_copies_die(app, ctx, courier, clock):
    screen = app.test_client()
    courier_login(screen, courier.id)
    thief = copy_of(app, screen)
    screen.get("/?idle=1")  # the screen went home by itself
    assert path_of(screen.get("/courier/")) == "/courier/login"
    assert path_of(thief.get("/courier/")) == "/courier/login"
    courier_login(screen, courier.id)
    clock.advance(minutes=6)
    assert path_of(screen.get("/courier/")) == "/courier/login"
    records = audit(ctx, "courier.logout")
    assert [(r.subject, r.details["reason"]) for r in records] == [
        (str(courier.id), "idle"),
        (str(courier.id), "idle"),
    ]


def test_an_idle_admin_session_is_audited(app, ctx, clock):
    laptop = app.test_client()
    admin_login(laptop)
    clock.advance(minutes=11)
    assert path_of(laptop.get("/admin/")) == "/admin/login"
    admin_login(laptop)
    laptop.get("/?idle=1")
    assert path_of(laptop.get("/admin/")) == "/admin/login"
    assert [r.details["reason"] for r in audit(ctx, "admin.logout")] == ["idle", "idle"]


def test_web_logins_and_logouts_are_audited(app, ctx, courier):
    screen = app.test_client()
    assert courier_login(screen, courier.id, "000000").status_code == 403
    courier_login(screen, courier.id)
    post(screen, "/courier/logout")
    admin_login(screen, "wrong-password")
    admin_login(screen)
    post(screen, "/admin/logout", "/admin/accounts")
    actions = [
        (r.action, r.details.get("method") or r.details.get("reason"))
        for r in ctx.store.audit_records()
        if r.action.split(".")[1] in ("login", "login_failed", "logout")
    ]
    assert actions == [
        ("courier.login_failed", "pin"),
        ("courier.login", "pin"),
        ("courier.logout", "logout"),
        ("admin.login_failed", "password"),
        ("admin.login", "password"),
        ("admin.logout", "logout"),
    ]


def test_a_badge_claimed_from_the_camera_is_audited(app, ctx, courier, tickets):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    client = app.test_client()
    response = client.post(
        "/courier/badge", data={"ticket": outcome.ticket, "csrf_token": token(client)}
    )
    assert path_of(response) == "/courier/"
    replaced = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    issue_badge(ctx, courier.id, "test")  # replaced again before the page claims it
    response = client.post(
        "/courier/badge", data={"ticket": replaced.ticket, "csrf_token": token(client)}
    )
    assert response.status_code == 403
    records = audit(ctx, "courier.login", "courier.login_failed")
    assert [(r.action, r.details["method"], r.details.get("reason")) for r in records] == [
        ("courier.login", "camera badge", None),
        ("courier.login_failed", "camera badge", "replaced"),
    ]


# --- Short PINs are replaced at the next login ------------------------------------------------


def test_a_four_digit_pin_logs_in_once_and_leads_to_the_pin_change_page(app, ctx, courier, board):
    ctx.store.set_courier_pin(courier.id, hash_secret("2468"))
    screen = app.test_client()
    assert path_of(courier_login(screen, courier.id, "2468")) == "/courier/pin"
    page = text(screen.get("/courier/pin"))
    assert "6 to 12 digits" in page and 'name="new_pin"' in page and 'class="keyed"' in page
    for path in ("/courier/", "/courier/deposit", "/courier/retrieve", "/courier/free.json"):
        assert path_of(screen.get(path)) == "/courier/pin", path
    response = post(screen, "/courier/deposit", tracking="SF0000000001", phone="13812345678")
    assert path_of(response) == "/courier/pin" and board.opened == []

    short = post(screen, "/courier/pin", new_pin="13579", repeat="13579")
    assert short.status_code == 400 and "6 to 12 digits" in text(short)
    differ = post(screen, "/courier/pin", new_pin="975310", repeat="975311")
    assert differ.status_code == 400 and "The two PINs differ" in text(differ)
    assert path_of(screen.get("/courier/")) == "/courier/pin"

    done = post(screen, "/courier/pin", new_pin="975310", repeat="975310")
    assert path_of(done) == "/courier/"
    assert screen.get("/courier/").status_code == 200
    assert login_courier(ctx, courier.id, "975310").id == courier.id
    with pytest.raises(AuthenticationError):
        login_courier(ctx, courier.id, "2468")


def test_logging_out_leaves_the_pin_change_page(app, ctx, courier):
    ctx.store.set_courier_pin(courier.id, hash_secret("2468"))
    screen = app.test_client()
    courier_login(screen, courier.id, "2468")
    post(screen, "/courier/logout")
    assert path_of(screen.get("/courier/pin")) == "/courier/login"


def test_a_six_digit_pin_goes_straight_to_the_menu(app, courier):
    screen = app.test_client()
    assert path_of(courier_login(screen, courier.id)) == "/courier/"
    assert path_of(screen.get("/courier/pin")) == "/courier/"


# --- The login pages say why a right secret must wait -------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Too many logins in a minute. Wait 60 seconds."), ("zh", "一分钟内登录次数过多")],
)
def test_a_right_pin_over_the_per_minute_limit_is_not_called_wrong(app, courier, lang, words):
    for _ in range(5):
        assert courier_login(app.test_client(), courier.id).status_code == 302
    response = courier_login(app.test_client(), courier.id, lang=lang)
    assert response.status_code == 429
    assert words in text(response)
    assert 'data-error="rate"' in text(response) and "wrong" not in text(response).lower()


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Too many logins in a minute. Wait 60 seconds."), ("zh", "一分钟内登录次数过多")],
)
def test_a_right_password_over_the_per_minute_limit_is_not_called_wrong(app, lang, words):
    for _ in range(5):
        assert admin_login(app.test_client()).status_code == 303
    response = admin_login(app.test_client(), lang=lang)
    assert response.status_code == 429
    assert words in text(response) and 'data-error="rate"' in text(response)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Too many failed logins at this locker. Wait 2 seconds."),
        ("zh", "本柜登录失败次数过多，请等待 2 秒。"),
    ],
)
def test_the_login_pages_state_the_locker_wide_wait(app, ctx, courier, lang, words):
    for n in range(ctx.rules.staff_delay.free_failures):  # a stranger tries ten ids
        assert courier_login(app.test_client(), 900_000 + n, "000000").status_code == 403
    courier_page = courier_login(app.test_client(), courier.id, lang=lang)
    assert courier_page.status_code == 429
    assert 'data-error="wait"' in text(courier_page) and words in text(courier_page)
    admin_page = admin_login(app.test_client(), lang=lang)
    assert admin_page.status_code == 429
    assert 'data-error="wait"' in text(admin_page) and words in text(admin_page)


# --- Every page refuses to be framed, and the session cookie stays on this site ----------------


def anonymous_get_pages(app) -> list[str]:
    streams = {"/events", "/camera.mjpg"}
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.rule not in streams
    )


def test_every_page_refuses_to_be_framed(app, courier):
    client = app.test_client()
    pages = anonymous_get_pages(app)
    assert {"/", "/courier/login", "/admin/login", "/healthz"} <= set(pages)
    responses = [client.get(path) for path in [*pages, "/no-such-page"]]
    responses.append(client.post("/courier/login", data={}))  # a refusal (no CSRF token)
    courier_login(client, courier.id)
    responses += [client.get("/courier/"), client.get("/courier/free.json")]
    for response in responses:
        assert response.headers["X-Frame-Options"] == "DENY", response.request.path
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy, response.request.path


def test_the_session_cookie_is_strict_and_out_of_reach_of_scripts(app, courier):
    client = app.test_client()
    response = courier_login(client, courier.id)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}="))
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie
