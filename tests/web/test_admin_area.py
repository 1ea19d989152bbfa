"""The admin area through the real app: login, the role check, the dashboard and door actions."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest

from locker.config import Settings
from locker.domain.door_watch import DoorWatch
from locker.ports import DoorEvent, DoorEventKind
from locker.services.collect_parcel import collect_by_code
from locker.services.door_events import handle_door_event
from locker.services.errors import DoorDidNotOpenError
from locker.services.service_state import set_out_of_service
from locker.web import create_app
from tests.conftest import ADMIN_PASSWORD

PHONE = "13812345678"
MASKED = "138****5678"


class AdminActions:
    """What an admin does in a browser, as one-liners for tests."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self) -> str:
        page = self.client.get("/admin/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def login(self, username: str = "admin", password: str = ADMIN_PASSWORD):
        data = {"username": username, "password": password, "csrf_token": self.token()}
        return self.client.post("/admin/login", data=data)

    def post(self, path: str, **data: str):
        return self.client.post(path, data={**data, "csrf_token": self.token()})

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.status_code
        return text(response)


def text(response) -> str:
    return response.get_data(as_text=True)


def goes_to_login(response) -> bool:
    return response.status_code in (302, 303) and urlparse(response.location).path == (
        "/admin/login"
    )


@pytest.fixture
def app(ctx, db_path, board, clock):
    settings = Settings(db=db_path, language="en")
    return create_app(settings, board=board, clock=clock)


@pytest.fixture
def visitor(app) -> AdminActions:
    return AdminActions(app.test_client())


@pytest.fixture
def admin_user(app) -> AdminActions:
    actions = AdminActions(app.test_client())
    assert goes_to_login(actions.login()) is False
    return actions


GET_ROUTES = ["/admin/", "/admin/doors", "/admin/doors.csv", "/admin/reissue"]
POST_ROUTES = [
    ("/admin/doors/open", {"label": "A01", "reason": "jammed lock"}),
    ("/admin/compartments/out-of-service", {"label": "A01", "reason": "broken hinge"}),
    ("/admin/compartments/in-service", {"label": "A01"}),
    ("/admin/reissue", {"tracking": "SF0000000001"}),
    ("/admin/logout", {}),
]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_an_anonymous_visitor_is_sent_to_the_login_and_sees_no_admin_data(visitor, courier, path):
    courier.deposit(phone=PHONE)
    response = visitor.client.get(path)
    assert goes_to_login(response)
    body = text(response)
    for secret in ("A01", "SF0000000001", "138", "door.", "courier:"):
        assert secret not in body


@pytest.mark.parametrize(("path", "data"), POST_ROUTES)
def test_an_anonymous_post_changes_nothing(visitor, courier, board, path, data):
    courier.deposit()
    audit_before = len(list(courier.ctx.store.audit_records()))
    response = visitor.post(path, **data)
    assert goes_to_login(response)
    assert len(board.opened) == 1  # the deposit only
    assert len(list(courier.ctx.store.audit_records())) == audit_before


SEEN = "2026-11-11T09:00:00+00:00"
NOT_ADMIN_SESSIONS = [
    {"courier": {"id": 1, "seen": SEEN}},
    {"admin": "admin"},  # forged or malformed values are refused as well
    {"admin": {"name": "admin", "seen": "yesterday"}},
    {"admin": {"name": "ghost", "seen": SEEN}},  # no such admin account
]


@pytest.mark.parametrize("path", GET_ROUTES)
@pytest.mark.parametrize("values", NOT_ADMIN_SESSIONS)
def test_a_courier_or_forged_session_is_not_an_admin_session(app, courier, path, values):
    courier.deposit(phone=PHONE)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(values)
    response = client.get(path)
    assert goes_to_login(response)
    assert "SF0000000001" not in text(response) and "A01" not in text(response)


@pytest.mark.parametrize("path", GET_ROUTES)
def test_a_logged_in_admin_reaches_every_page(admin_user, path):
    assert admin_user.client.get(path).status_code == 200


def test_a_form_without_its_csrf_token_is_refused(admin_user, board):
    response = admin_user.client.post("/admin/doors/open", data={"label": "A01", "reason": "x y z"})
    assert response.status_code == 400
    assert board.opened == []


def test_the_login_returns_to_the_page_asked_for(visitor):
    asked = urlparse(visitor.client.get("/admin/doors").location)
    assert parse_qs(asked.query) == {"next": ["/admin/doors"]}
    data = {"username": "admin", "password": ADMIN_PASSWORD, "next": "/admin/doors"}
    response = visitor.client.post("/admin/login", data={**data, "csrf_token": visitor.token()})
    assert response.location == "/admin/doors"
    evil = {**data, "next": "https://evil.example/"}
    response = visitor.client.post("/admin/login", data={**evil, "csrf_token": visitor.token()})
    assert response.location == "/admin/"


@pytest.mark.parametrize(
    "asked",
    [
        "/admin/doors\r\nSet-Cookie: x=y",
        "/admin/\\\\evil.example",
        "/admin/../courier/",
        "/admin//evil.example",
        "/admin/doors\x00",
    ],
)
def test_the_login_returns_only_to_a_plain_path_of_the_admin_area(visitor, asked):
    data = {"username": "admin", "password": ADMIN_PASSWORD, "next": asked}
    response = visitor.client.post("/admin/login", data={**data, "csrf_token": visitor.token()})
    assert (response.status_code, response.location) == (303, "/admin/")


def test_a_wrong_password_fails_and_five_lock_the_account(visitor, ctx):
    response = visitor.login(password="wrong-password")
    assert response.status_code == 401
    assert "The username or password is wrong" in text(response)
    assert goes_to_login(visitor.client.get("/admin/"))
    assert visitor.login(username="nobody").status_code == 401
    for attempt in range(4):
        visitor.login(password=f"wrong-password-{attempt}")
    response = visitor.login()  # the right password, but the account is locked
    assert response.status_code == 429
    assert "Try again in 60 seconds" in text(response)
    assert goes_to_login(visitor.client.get("/admin/"))
    assert any(r.action == "admin.lockout" for r in ctx.store.audit_records())


def test_logout_ends_the_session(admin_user):
    assert goes_to_login(admin_user.post("/admin/logout"))
    assert goes_to_login(admin_user.client.get("/admin/"))


def test_an_idle_session_times_out_after_ten_minutes(admin_user, clock):
    clock.advance(minutes=9)
    assert admin_user.client.get("/admin/").status_code == 200
    clock.advance(minutes=9)  # 9 minutes after the last page: still active
    assert admin_user.client.get("/admin/doors").status_code == 200
    clock.advance(minutes=10, seconds=1)
    response = admin_user.client.get("/admin/")
    assert goes_to_login(response) and "expired=1" in response.location
    assert "Your session timed out" in text(admin_user.client.get(response.location))
    assert goes_to_login(admin_user.client.get("/admin/"))


def test_pages_close_together_leave_the_session_cookie_as_it_is(admin_user, clock):
    clock.advance(seconds=40)
    assert "Set-Cookie" in admin_user.client.get("/admin/").headers  # last seen moves on
    clock.advance(seconds=10)
    assert "Set-Cookie" not in admin_user.client.get("/admin/doors").headers
    clock.advance(minutes=9, seconds=51)  # ten minutes and a second since "last seen" was written
    response = admin_user.client.get("/admin/")
    assert goes_to_login(response) and "expired=1" in response.location


def test_the_dashboard_counts_doors_by_size_and_state(admin_user, courier):
    courier.deposit(tracking="SF0001")
    page = admin_user.page("/admin/")
    occupancy = re.search(r'<tr data-size="S">(.*?)</tr>', page, re.S).group(1)
    assert '<td data-state="occupied">1</td>' in occupancy
    assert '<td data-state="free">1</td>' in occupancy
    assert "The audit chain is intact" in page
    assert "Every door is in service" in page


def test_the_dashboard_shows_a_faulty_door_and_an_alarm(admin_user, courier, board, ctx, clock):
    receipt = courier.deposit()
    clock.advance(minutes=1)  # long after the deposit's own unlock
    label = receipt.compartment
    board.stuck.add(ctx.store.compartment("B01").address)
    admin_user.post("/admin/doors/open", label="B01", reason="check the lock", confirmed="yes")
    opened = DoorEvent(ctx.store.compartment(label).address, DoorEventKind.OPENED, None)
    handle_door_event(ctx, opened, DoorWatch())
    page = admin_user.page("/admin/")
    assert re.search(r'<tr data-label="B01" data-state="fault">', page)
    assert 'data-action="door.fault"' in page
    assert 'data-action="alarm.door_opened_without_command"' in page
    assert "Door opened with no command" in page


def test_the_dashboard_names_the_first_broken_audit_record(admin_user, ctx, db_path):
    import sqlite3

    with sqlite3.connect(db_path) as db:
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("UPDATE audit_log SET subject = 'tampered' WHERE seq = 2")
    page = admin_user.page("/admin/")
    assert 'data-audit="broken"' in page
    assert "broken at record 2" in page


def test_the_door_log_filters_by_door_actor_action_and_date(visitor, courier, clock):
    first = courier.deposit(tracking="SF0001")
    clock.advance(days=2)
    second = courier.deposit(tracking="SF0002")
    admin_user = visitor
    admin_user.login()  # after the clock jump, which would have ended an earlier session
    admin_user.post(
        "/admin/doors/open", label=first.compartment, reason="inspection", confirmed="yes"
    )

    def rows(query: str) -> list[tuple[str, str, str]]:
        page = admin_user.page("/admin/doors" + query)
        body = re.search(r'<table id="door-log">(.*?)</table>', page, re.S).group(1)
        return re.findall(
            r'<tr data-id="\d+" data-door="([^"]*)" data-purpose="([^"]*)" data-actor="([^"]*)">',
            body,
        )

    everything = rows("")
    assert everything[0] == (first.compartment, "service", "admin:admin")  # newest first
    assert len(everything) == 3
    assert rows(f"?door={second.compartment}") == [
        (second.compartment, "deposit", everything[1][2])
    ]
    assert [r[1] for r in rows("?action=deposit")] == ["deposit", "deposit"]
    assert [r[2] for r in rows("?actor=admin")] == ["admin:admin"]
    assert len(rows("?to=2026-11-11")) == 1
    assert len(rows("?from=2026-11-13")) == 2
    page = admin_user.page("/admin/doors?from=yesterday")
    assert "is not a date" in page and page.count('<tr data-id="') == 3


def test_the_door_log_csv_has_the_filtered_rows(admin_user, courier):
    first = courier.deposit(tracking="SF0001")
    courier.deposit(tracking="SF0002")
    page = admin_user.page(f"/admin/doors?door={first.compartment}")
    assert f"/admin/doors.csv?door={first.compartment}" in page
    response = admin_user.client.get(f"/admin/doors.csv?door={first.compartment}")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(text(response))))
    assert [(r["compartment"], r["purpose"], r["outcome"]) for r in table] == [
        (first.compartment, "deposit", "confirmed")
    ]


def test_force_open_needs_a_reason_and_is_audited(admin_user, courier, board, ctx):
    receipt = courier.deposit()
    response = admin_user.post(
        "/admin/doors/open", label=receipt.compartment, reason=" ", confirmed="yes"
    )
    assert "a reason is required" in admin_user.page(response.location)
    assert len(board.opened) == 1
    response = admin_user.post(
        "/admin/doors/open", label=receipt.compartment, reason="leak check", confirmed="yes"
    )
    assert f"Door {receipt.compartment} is open" in admin_user.page(response.location)
    assert len(board.opened) == 2
    record = [r for r in ctx.store.audit_records() if r.action == "door.force_open"][-1]
    assert (record.actor, record.subject, record.details["reason"]) == (
        "admin:admin",
        receipt.compartment,
        "leak check",
    )
    response = admin_user.post(
        "/admin/doors/open", label="Z99", reason="leak check", confirmed="yes"
    )
    assert "There is no door Z99" in admin_user.page(response.location)


@pytest.mark.parametrize("path", ["/admin/doors/open", "/admin/compartments/out-of-service"])
@pytest.mark.parametrize(
    "reason", ["jammed\r\n2026-11-11 forged entry", "jammed\x00", "\x1b[2Jjammed", "x" * 201]
)
def test_a_reason_that_is_not_one_short_line_is_refused_in_the_admin_s_language(
    admin_user, courier, board, ctx, path, reason
):
    receipt = courier.deposit()
    records, opened = len(list(ctx.store.audit_records())), len(board.opened)
    response = admin_user.post(
        f"{path}?lang=zh", label=receipt.compartment, reason=reason, confirmed="yes"
    )
    assert "原因须为一行，最多 200 个字符。" in admin_user.page(response.location)
    assert ctx.store.compartment(receipt.compartment).state.value == "occupied"
    assert (len(list(ctx.store.audit_records())), len(board.opened)) == (records, opened)


def test_a_compartment_goes_out_of_service_and_comes_back(admin_user, ctx, clock):
    response = admin_user.post("/admin/compartments/out-of-service", label="A01", reason="")
    assert "Say why" in admin_user.page(response.location)
    admin_user.post(
        "/admin/compartments/out-of-service", label="A01", reason="broken hinge", confirmed="yes"
    )
    assert ctx.store.compartment("A01").state.value == "out_of_service"
    page = admin_user.page("/admin/")
    assert '<tr data-label="A01" data-state="out_of_service">' in page
    response = admin_user.post("/admin/compartments/in-service", label="A01")
    assert "A01 is back in service (Free)" in admin_user.page(response.location)
    assert ctx.store.compartment("A01").state.value == "free"
    # At once it is a double tap, shown the same page; a minute later, a new request.
    response = admin_user.post("/admin/compartments/in-service", label="A01")
    again = admin_user.client.get(response.location, follow_redirects=True)
    assert "A01 is back in service (Free)" in text(again)
    clock.advance(seconds=61)
    response = admin_user.post("/admin/compartments/in-service", label="A01")
    assert "already in service" in admin_user.page(response.location)
    actions = [r.action for r in ctx.store.audit_records()]
    assert actions[-2:] == ["compartment.out_of_service", "compartment.in_service"]


def test_reissue_shows_the_new_code_once_with_the_phone_masked(admin_user, courier, ctx):
    receipt = courier.deposit(tracking="SF0001", phone=PHONE)
    response = admin_user.post("/admin/reissue", tracking="sf0001")
    page = text(response)
    code = re.search(r'<p class="code" id="new-code">(\d+)</p>', page).group(1)
    assert code != receipt.code
    assert MASKED in page and PHONE not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert code not in admin_user.page("/admin/reissue")
    assert any(
        r.action == "code.reissued" and r.actor == "admin:admin" for r in ctx.store.audit_records()
    )
    missing = admin_user.post("/admin/reissue", tracking="NOPE")
    assert missing.status_code == 404 and "No parcel NOPE" in text(missing)


def test_no_admin_page_shows_a_whole_phone_number(admin_user, courier):
    courier.deposit(phone=PHONE)
    for path in GET_ROUTES:
        assert PHONE not in text(admin_user.client.get(path))


def test_pages_switch_to_chinese(admin_user):
    page = admin_user.page("/admin/?lang=zh")
    assert 'lang="zh-CN"' in page


STAFF_SCREENS = ["/admin/", "/admin/doors", "/admin/reissue", "/admin/accounts"]


@pytest.mark.parametrize("path", STAFF_SCREENS)
def test_every_field_on_a_staff_screen_has_the_on_screen_keys(admin_user, courier, path):
    courier.deposit()
    page = admin_user.page(path)
    fields = re.findall(r"<input\b[^>]*>", page)
    typed = [f for f in fields if not re.search(r'type="(hidden|checkbox|radio)"', f)]
    assert typed, "a staff screen with no field to type into"
    # The keyboard types into the fields it serves; it serves every field of the page.
    assert re.search(r'<div class="keys keyboard[^"]*" data-fields="every"', page)
    dates = [f for f in typed if 'type="date"' in f]
    assert not dates, f"the keys cannot type into a date picker: {dates}"


def test_taking_an_occupied_door_out_of_service_asks_first(admin_user, courier, ctx):
    receipt = courier.deposit(tracking="SF0001")
    label = receipt.compartment

    response = admin_user.post(
        "/admin/compartments/out-of-service", label=label, reason="hinge broken"
    )

    page = text(response)
    assert response.status_code == 200
    assert ctx.store.compartment(label).state.value == "occupied"
    assert f"Door {label} holds a parcel" in page and "SF0001" in page
    assert 'name="confirmed" value="yes"' in page and 'value="hinge broken"' in page

    response = admin_user.post(
        "/admin/compartments/out-of-service", label=label, reason="hinge broken", confirmed="yes"
    )

    assert ctx.store.compartment(label).state.value == "out_of_service"
    assert "SF0001" in admin_user.page(response.location)
    record = [r for r in ctx.store.audit_records() if r.action == "compartment.out_of_service"][-1]
    assert record.details["parcel_inside"] == {"parcel_id": receipt.parcel.id, "tracking": "SF0001"}
    page = admin_user.page("/admin/")
    row = re.search(rf'<tr data-label="{label}" data-state="out_of_service">(.*?)</tr>', page, re.S)
    assert "SF0001" in row.group(1)


def test_an_empty_door_goes_out_of_service_once_the_admin_confirms(admin_user, ctx):
    response = admin_user.post(
        "/admin/compartments/out-of-service", label="A01", reason="broken hinge"
    )
    page = text(response)
    assert "Take door A01 out of service?" in page and 'id="confirm-take-out"' in page
    assert ctx.store.compartment("A01").state.value == "free"
    admin_user.post(
        "/admin/compartments/out-of-service", label="A01", reason="broken hinge", confirmed="yes"
    )
    assert ctx.store.compartment("A01").state.value == "out_of_service"
    record = [r for r in ctx.store.audit_records() if r.action == "compartment.out_of_service"][-1]
    assert "parcel_inside" not in record.details


def test_a_pickup_refused_at_an_out_of_service_door_is_on_the_dashboard(admin_user, courier, ctx):
    receipt = courier.deposit()
    set_out_of_service(ctx, "admin", receipt.compartment, "hinge broken")
    with pytest.raises(DoorDidNotOpenError):
        collect_by_code(ctx, receipt.code)
    page = admin_user.page("/admin/")
    assert 'data-action="pickup.refused"' in page
    assert "Pickup refused" in page


def test_putting_back_a_door_no_sensor_can_see_asks_the_admin_to_look(admin_user, ctx, board):
    board.sensors = False
    admin_user.post(
        "/admin/compartments/out-of-service", label="A01", reason="broken hinge", confirmed="yes"
    )
    response = admin_user.post("/admin/compartments/in-service", label="A01")
    assert response.status_code == 409
    assert 'data-why="unseen"' in text(response) and "Open the door to look" in text(response)
    assert ctx.store.compartment("A01").state.value == "out_of_service"
    response = admin_user.post("/admin/compartments/in-service", label="A01", looked="yes")
    assert "A01 is back in service (Free)" in admin_user.page(response.location)


def test_a_door_whose_sensor_sees_an_unrecorded_item_stays_out(admin_user, ctx, board):
    admin_user.post(
        "/admin/compartments/out-of-service", label="A01", reason="broken hinge", confirmed="yes"
    )
    board.close_door(ctx.store.compartment("A01").address, item_present=True)
    response = admin_user.post("/admin/compartments/in-service", label="A01", looked="yes")
    assert response.status_code == 409 and 'data-why="item_present"' in text(response)
    assert ctx.store.compartment("A01").state.value == "out_of_service"
