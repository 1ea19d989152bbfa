"""Every POST that fires a door, sent three times at once, as a double tap or a scanner's
Enter twice: one door fires, one record is written, no 5xx, and every repeat is shown the
first request's page.

The first request is held at the board until both repeats have reached the server, so the
three really overlap. Each request comes from its own client with the same cookies, as the
one browser's three submissions do.
"""

from __future__ import annotations

import concurrent.futures
import re
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from flask import request

from locker.config import Settings
from locker.domain.states import ParcelState
from locker.services.accounts import issue_badge
from locker.services.expire_overdue import expire_overdue
from locker.services.scan_pickup import pickup_by_scan
from locker.services.scan_tickets import ScanTickets
from locker.web import create_app
from locker.web.repeat_guard import GUARDED
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN
from tests.support.gated_board import GatedBoard

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PHONE = "13812345678"


@pytest.fixture
def board() -> GatedBoard:
    return GatedBoard()


@pytest.fixture
def tickets(clock) -> ScanTickets:
    return ScanTickets(clock)


@pytest.fixture
def app(ctx, db_path, board, clock, tickets):
    made = create_app(
        Settings(db=db_path, language="en"), board=board, clock=clock, tickets=tickets
    )
    made.config["REPEATS_SEEN"] = []
    made.config["REPEATS_ARRIVED"] = threading.Condition()

    @made.before_request
    def _count_repeats() -> None:
        if request.path.startswith("/again/"):
            arrived = made.config["REPEATS_ARRIVED"]
            with arrived:
                made.config["REPEATS_SEEN"].append(request.path)
                arrived.notify_all()

    return made


def csrf(client, path: str = "/") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True))[1]


def clone(app, client):
    """Another submission from the same browser: the same cookies."""
    twin = app.test_client()
    for name in ("session",):
        cookie = client.get_cookie(name)
        if cookie is not None:
            twin.set_cookie(name, cookie.value)
    return twin


@dataclass
class Tap:
    path: str
    data: dict[str, str]


def three_taps(app, board: GatedBoard, client, tap: Tap) -> list[Any]:
    """Send `tap` three times at once from one browser; returns the pages as followed."""
    data = {**tap.data, "csrf_token": csrf(client)}
    clients = [client, clone(app, client), clone(app, client)]
    board.hold()
    arrived = app.config["REPEATS_ARRIVED"]

    def send(each):
        return each.post(tap.path, data=data, follow_redirects=True)

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(send, each) for each in clients]
        assert board.wait_for_unlock(), "no tap reached the board"
        with arrived:
            assert arrived.wait_for(lambda: len(app.config["REPEATS_SEEN"]) >= 2, timeout=10)
        board.gate.set()
        return [f.result(timeout=20) for f in futures]


def the_same_page_three_times(responses) -> str:
    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
    pages = {r.get_data(as_text=True) for r in responses}
    statuses = {r.status_code for r in responses}
    assert len(statuses) == 1, statuses
    # The pages differ only in their CSRF tokens, which each render signs afresh.
    assert len({CSRF.sub("", page) for page in pages}) == 1
    return pages.pop()


def logged_in_courier(app, courier_id: int):
    client = app.test_client()
    data = {"courier_id": str(courier_id), "pin": COURIER_PIN}
    client.post("/courier/login", data={**data, "csrf_token": csrf(client, "/courier/login")})
    return client


def logged_in_admin(app):
    client = app.test_client()
    data = {"username": "admin", "password": ADMIN_PASSWORD}
    client.post("/admin/login", data={**data, "csrf_token": csrf(client, "/admin/login")})
    return client


def test_a_deposit(app, board, courier, ctx):
    client = logged_in_courier(app, courier.id)
    tap = Tap("/courier/deposit", {"tracking": "SF0000000001", "phone": PHONE, "size": "S"})
    page = the_same_page_three_times(three_taps(app, board, client, tap))
    assert "Door A01 is open" in page
    assert len(board.opened) == 1
    assert len(ctx.store.parcels()) == 1


def test_a_pickup_code(app, board, courier, ctx):
    receipt = courier.deposit()
    page = the_same_page_three_times(
        three_taps(app, board, app.test_client(), Tap("/pickup", {"code": receipt.code}))
    )
    assert f"Door {receipt.compartment} is open" in page
    assert len(board.opened) == 1
    collected = [r for r in ctx.store.audit_records() if r.action == "parcel.collected"]
    assert len(collected) == 1


def test_a_phone_ending_and_code(app, board, courier, ctx):
    receipt = courier.deposit(phone=PHONE)
    tap = Tap("/pickup/phone/code", {"phone_end": PHONE[-4:], "code": receipt.code})
    page = the_same_page_three_times(three_taps(app, board, app.test_client(), tap))
    assert f"Door {receipt.compartment} is open" in page
    assert len(board.opened) == 1
    collected = [r for r in ctx.store.audit_records() if r.action == "parcel.collected"]
    assert len(collected) == 1


def test_a_qr_typed_by_a_wedge_scanner(app, board, courier, ctx):
    receipt = courier.deposit()
    page = the_same_page_three_times(
        three_taps(app, board, app.test_client(), Tap("/pickup", {"code": receipt.qr}))
    )
    assert f"Door {receipt.compartment} is open" in page
    assert len(board.opened) == 1


def test_open_my_other_parcels_too(app, board, courier, ctx):
    first = courier.deposit("SF0001", phone=PHONE)
    second = courier.deposit("SF0002", phone=PHONE)
    client = app.test_client()
    client.post("/pickup", data={"code": first.code, "csrf_token": csrf(client)})
    page = the_same_page_three_times(three_taps(app, board, client, Tap("/pickup/more", {})))
    assert f"Door {second.compartment} is open" in page
    assert len(board.opened) == 1
    assert ctx.store.parcel(second.parcel.id).state is ParcelState.COLLECTED


def test_open_my_other_parcels_too_after_a_camera_pickup(app, board, courier, ctx, tickets):
    first = courier.deposit("SF0001", phone=PHONE)
    second = courier.deposit("SF0002", phone=PHONE)
    outcome = pickup_by_scan(ctx, first.qr, tickets)
    tap = Tap("/pickup/more-scan", {"ticket": outcome.ticket})
    page = the_same_page_three_times(three_taps(app, board, app.test_client(), tap))
    assert f"Door {second.compartment} is open" in page
    assert len(board.opened) == 1


def test_an_undo(app, board, courier, ctx):
    receipt = courier.deposit()
    client = logged_in_courier(app, courier.id)
    tap = Tap("/courier/undo", {"tracking": receipt.parcel.tracking})
    page = the_same_page_three_times(three_taps(app, board, client, tap))
    assert f"Door {receipt.compartment} is open" in page
    assert len(board.opened) == 1


def test_taking_back_an_expired_parcel(app, board, courier, ctx, clock):
    receipt = courier.deposit()
    clock.advance(hours=73)
    expire_overdue(ctx)
    client = logged_in_courier(app, courier.id)
    tap = Tap("/courier/retrieve", {"tracking": receipt.parcel.tracking})
    page = the_same_page_three_times(three_taps(app, board, client, tap))
    assert f"Door {receipt.compartment} is open" in page
    assert len(board.opened) == 1
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.RETURNED


def test_a_service_opening(app, board, ctx):
    client = logged_in_admin(app)
    tap = Tap(
        "/admin/doors/open", {"label": "B01", "reason": "check the latch", "confirmed": "yes"}
    )
    page = the_same_page_three_times(three_taps(app, board, client, tap))
    assert "Door B01 is open" in page
    assert len(board.opened) == 1
    assert [r.action for r in ctx.store.audit_records()].count("door.force_open") == 1


def test_a_badge_shown_to_the_camera(app, board, courier, ctx, tickets):
    # Logging in fires no door: three claims of one ticket are one login.
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    client = app.test_client()
    data = {"ticket": outcome.ticket, "csrf_token": csrf(client)}
    pages = [client.post("/courier/badge", data=data, follow_redirects=True) for _ in range(3)]
    the_same_page_three_times(pages)
    assert client.get("/courier/").status_code == 200


def test_every_post_route_is_guarded_against_repeats(app):
    unguarded = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set())
        and not getattr(app.view_functions[rule.endpoint], GUARDED, False)
    ]
    assert unguarded == []


def test_repeats_beyond_a_few_do_not_wait_on_server_threads(app, board, courier, ctx):
    """A scanner stuck on Enter: the first few repeats wait for the page, the rest look again."""
    from locker.web.repeat_guard import WAITERS

    receipt = courier.deposit()
    client = app.test_client()
    data = {"code": receipt.code, "csrf_token": csrf(client)}
    board.hold()
    with concurrent.futures.ThreadPoolExecutor(WAITERS + 3) as pool:
        first = pool.submit(client.post, "/pickup", data=data)
        assert board.wait_for_unlock()
        repeats = [
            pool.submit(clone(app, client).post, "/pickup", data=data, follow_redirects=True)
            for _ in range(WAITERS + 2)
        ]
        # While the first is held at the board, only repeats turned away can finish.
        finished, waiting = concurrent.futures.wait(
            repeats, timeout=10, return_when=concurrent.futures.FIRST_COMPLETED
        )
        while len(finished) < 2 and waiting:
            more, waiting = concurrent.futures.wait(
                waiting, timeout=10, return_when=concurrent.futures.FIRST_COMPLETED
            )
            assert more, "no repeat was turned away while the first was held"
            finished |= more
        assert {r.result().status_code for r in finished} == {202}
        board.gate.set()
        statuses = [r.result(timeout=20).status_code for r in repeats]
        assert first.result(timeout=20).status_code == 200
    assert set(statuses) <= {200, 202}
    assert len(board.opened) == 1


def test_every_form_is_post_redirect_get_and_its_page_reloads(app, courier, ctx):
    """No browser asks to resubmit a form: the POST answers with a 303, and reloading the page
    it leads to shows the same page, not "already in this locker"."""
    client = logged_in_courier(app, courier.id)
    data = {"tracking": "SF0000000001", "phone": PHONE, "size": "S", "csrf_token": csrf(client)}
    posted = client.post("/courier/deposit", data=data, follow_redirects=False)
    assert posted.status_code == 303
    page = posted.location
    first, reloaded = client.get(page), client.get(page)
    assert "Door A01 is open" in first.get_data(as_text=True)
    assert CSRF.sub("", first.get_data(as_text=True)) == CSRF.sub(
        "", reloaded.get_data(as_text=True)
    )
    assert reloaded.headers["Cache-Control"] == "no-store"
    assert len(ctx.store.parcels()) == 1
    # Another browser cannot read it.
    assert app.test_client().get(page).status_code == 302


def test_a_service_opening_from_the_parcel_search(app, board, courier, ctx):
    receipt = courier.deposit(phone=PHONE)
    client = logged_in_admin(app)
    data = {"label": receipt.compartment, "reason": "caller lost the code", "confirmed": "yes"}
    tap = Tap("/admin/doors/open", {**data, "q": "5678"})
    page = the_same_page_three_times(three_taps(app, board, client, tap))
    # Back on the search's results, with the one opening reported.
    assert f"Door {receipt.compartment} is open" in page and 'id="results"' in page
    assert len(board.opened) == 1
    assert [r.action for r in ctx.store.audit_records()].count("door.force_open") == 1


def test_an_undo_from_the_menu_after_a_new_login(app, board, courier, ctx):
    receipt = courier.deposit()
    client = logged_in_courier(app, courier.id)  # the door-open page is long gone
    assert f'data-tracking="{receipt.parcel.tracking}"' in client.get("/courier/").get_data(
        as_text=True
    )
    tap = Tap("/courier/undo", {"tracking": receipt.parcel.tracking})
    page = the_same_page_three_times(three_taps(app, board, client, tap))
    assert f"Door {receipt.compartment} is open" in page
    assert len(board.opened) == 1


def test_an_alarm_acknowledgement(app, ctx):
    alarm = ctx.store.append_audit(
        "system", "alert.door_left_open", "B01", {"minutes": 5}, ctx.clock.now()
    )
    client = logged_in_admin(app)
    data = {"seq": str(alarm.seq), "note": "door shut", "csrf_token": csrf(client)}
    clients = [client, clone(app, client), clone(app, client)]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        futures = [
            pool.submit(each.post, "/admin/alarms/acknowledge", data=data, follow_redirects=True)
            for each in clients
        ]
        pages = the_same_page_three_times([f.result(timeout=20) for f in futures])
    assert f"Alarm {alarm.seq} is acknowledged" in pages
    answers = [r for r in ctx.store.audit_records() if r.action == "alarm.acknowledged"]
    assert [(r.subject, r.details["note"]) for r in answers] == [(str(alarm.seq), "door shut")]
