"""The page redeems what the camera saw: a badge logs the courier in, more parcels open.

Only the one-time ticket travels over `/events`; the page posts it back with its CSRF token.
"""

from __future__ import annotations

import logging
import re

import pytest

from locker.config import Settings
from locker.domain.states import ParcelState
from locker.event_dispatch import EventDispatcher
from locker.services.accounts import issue_badge
from locker.services.context import LockerContext
from locker.services.scan_pickup import pickup_by_scan
from locker.services.scan_tickets import ScanTickets
from locker.store import SqliteStore
from locker.web import create_app
from locker.web.page_events import scan_to_pages
from tests.web.live_pages import allow_remote_streams, scan_seen_by_page

PHONE = "13812345678"
BADGE_REFUSED = "This badge is not valid here"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def tickets(clock) -> ScanTickets:
    return ScanTickets(clock)


@pytest.fixture
def app(ctx, db_path, board, clock, tickets):
    return create_app(
        Settings(db=db_path, language="en"), board=board, clock=clock, tickets=tickets
    )


def csrf(client) -> str:
    return CSRF.search(client.get("/courier/login").get_data(as_text=True)).group(1)


def claim(client, path: str, ticket: str | None):
    data = {"csrf_token": csrf(client)}
    if ticket is not None:
        data["ticket"] = ticket
    return client.post(path, data=data)


def logged_in_courier(client) -> int | None:
    with client.session_transaction() as session:
        who = session.get("courier")
    return who["id"] if who else None


def two_parcels(courier):
    first = courier.deposit(tracking="SF0000000001", phone=PHONE)
    second = courier.deposit(tracking="SF0000000002", phone=PHONE)
    return first, second


def test_a_badge_ticket_logs_the_courier_in(app, ctx, courier, tickets):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    client = app.test_client()
    response = claim(client, "/courier/badge", outcome.ticket)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courier/")
    assert logged_in_courier(client) == courier.id
    assert client.get("/courier/").status_code == 200


def test_a_badge_ticket_works_once(app, ctx, courier, tickets):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    assert claim(app.test_client(), "/courier/badge", outcome.ticket).status_code == 302
    other = app.test_client()
    response = claim(other, "/courier/badge", outcome.ticket)
    assert response.status_code == 403
    assert BADGE_REFUSED in response.get_data(as_text=True)
    assert logged_in_courier(other) is None
    assert other.get("/courier/").status_code == 302


def test_an_expired_badge_ticket_logs_nobody_in(app, ctx, courier, tickets, clock):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    clock.advance(seconds=61)
    client = app.test_client()
    assert claim(client, "/courier/badge", outcome.ticket).status_code == 403
    assert logged_in_courier(client) is None


def test_a_badge_replaced_before_the_ticket_is_claimed_logs_nobody_in(app, ctx, courier, tickets):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    issue_badge(ctx, courier.id, "admin:admin")  # the badge was reported lost meanwhile
    client = app.test_client()
    assert claim(client, "/courier/badge", outcome.ticket).status_code == 403
    assert logged_in_courier(client) is None


@pytest.mark.parametrize("ticket", [None, "", "made-up"], ids=["none", "empty", "made-up"])
def test_no_ticket_gets_nothing(app, ctx, courier, board, ticket):
    two_parcels(courier)
    opened_before = list(board.opened)
    client = app.test_client()
    assert claim(client, "/courier/badge", ticket).status_code == 403
    assert logged_in_courier(client) is None
    response = claim(client, "/pickup/more-scan", ticket)
    assert response.status_code == 403
    assert board.opened == opened_before


def test_a_claim_without_its_csrf_token_is_refused_and_keeps_the_ticket(app, ctx, courier, tickets):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    client = app.test_client()
    assert client.post("/courier/badge", data={"ticket": outcome.ticket}).status_code == 400
    assert logged_in_courier(client) is None
    assert claim(client, "/courier/badge", outcome.ticket).status_code == 302


def test_a_more_parcels_ticket_opens_the_other_parcels_once(
    app, ctx, courier, board, tickets, clock
):
    first, second = two_parcels(courier)
    outcome = pickup_by_scan(ctx, first.qr, tickets)
    client = app.test_client()
    response = claim(client, "/pickup/more-scan", outcome.ticket)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Door {second.compartment} is open" in page
    assert ctx.store.parcel(second.parcel.id).state is ParcelState.COLLECTED
    opened = list(board.opened)
    # At once, it is a double tap: the same page again, and no door.
    repeat = client.post(
        "/pickup/more-scan",
        data={"csrf_token": csrf(client), "ticket": outcome.ticket},
        follow_redirects=True,
    )
    assert f"Door {second.compartment} is open" in repeat.get_data(as_text=True)
    assert board.opened == opened
    clock.advance(seconds=61)
    again = claim(client, "/pickup/more-scan", outcome.ticket)
    assert again.status_code == 403
    assert "This offer has ended." in again.get_data(as_text=True)
    assert board.opened == opened


def test_a_ticket_only_works_where_it_belongs(app, ctx, courier, board, tickets):
    first, _ = two_parcels(courier)
    outcome = pickup_by_scan(ctx, first.qr, tickets)
    client = app.test_client()
    assert claim(client, "/courier/badge", outcome.ticket).status_code == 403
    assert logged_in_courier(client) is None
    assert claim(client, "/pickup/more-scan", outcome.ticket).status_code == 200
    badge_ticket = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets).ticket
    opened = list(board.opened)
    assert claim(client, "/pickup/more-scan", badge_ticket).status_code == 403
    assert board.opened == opened


# Through the real chain: the dispatcher judges the scan and publishes to the page's stream.


@pytest.fixture
def dispatcher(app, ctx, db_path, board, clock, tickets):
    live = app.extensions["locker_live"]
    running = EventDispatcher(
        lambda: LockerContext(SqliteStore(db_path), board, clock, ctx.rules),
        on_scan=lambda event, outcome: scan_to_pages(live, event, outcome),
        tickets=tickets,
    ).start()
    yield running
    running.stop()


def test_a_badge_shown_to_the_camera_reaches_the_page_only_as_a_ticket(
    app, ctx, courier, dispatcher, caplog
):
    caplog.set_level(logging.DEBUG)
    text = issue_badge(ctx, courier.id, "test")
    client = app.test_client()
    csrf(client)  # the page was loaded first, as a kiosk page is
    raw, event = scan_seen_by_page(client, dispatcher, text)
    assert (event["reason"], event["ticket_kind"]) == ("badge", "courier")
    assert event["ticket"]
    assert text not in raw
    assert text.split(":")[2] not in raw  # nor the badge's nonce on its own
    assert not {"courier", "courier_id", "name", "badge"} & set(event)
    assert "Courier badge accepted." in event["html"]
    assert text not in caplog.text
    response = claim(client, "/courier/badge", event["ticket"])
    assert response.headers["Location"].endswith("/courier/")
    assert logged_in_courier(client) == courier.id


def test_a_refused_badge_is_worded_on_the_page(app, ctx, courier, dispatcher):
    old = issue_badge(ctx, courier.id, "test")
    issue_badge(ctx, courier.id, "test")
    _, event = scan_seen_by_page(app.test_client(), dispatcher, old)
    assert (event["reason"], event["ticket"]) == ("badge_refused", None)
    assert BADGE_REFUSED in event["html"]


def test_the_pages_open_them_too_button_opens_the_other_parcels(
    app, ctx, courier, board, dispatcher
):
    first, second = two_parcels(courier)
    client = app.test_client()
    csrf(client)
    _, event = scan_seen_by_page(client, dispatcher, first.qr)
    assert event["opened"] == first.compartment and event["more"] == 1
    form = re.search(r'<form class="more-form".*?</form>', event["html"], re.DOTALL).group(0)
    assert 'action="/pickup/more-scan"' in form and "Open it too" in form
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert fields["ticket"] == event["ticket"]
    response = client.post("/pickup/more-scan", data=fields)
    assert response.status_code == 200
    assert f"Door {second.compartment} is open" in response.get_data(as_text=True)
    assert ctx.store.parcel(second.parcel.id).state is ParcelState.COLLECTED


def test_a_page_on_another_machine_hears_the_scan_but_gets_no_ticket(app, ctx, courier, dispatcher):
    allow_remote_streams(app)
    client = app.test_client()
    raw, event = scan_seen_by_page(
        client, dispatcher, issue_badge(ctx, courier.id, "test"), address="192.168.1.50"
    )
    assert event["reason"] == "badge"
    assert "ticket" not in event and 'name="ticket"' not in raw


def test_a_ticket_is_claimed_only_from_the_lockers_own_screen(app, ctx, courier, tickets):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"), tickets)
    remote = app.test_client()
    token = csrf(remote)
    response = remote.post(
        "/courier/badge",
        data={"csrf_token": token, "ticket": outcome.ticket},
        environ_base={"REMOTE_ADDR": "192.168.1.50"},
    )
    assert response.status_code == 403 and logged_in_courier(remote) is None
    screen = app.test_client()
    assert claim(screen, "/courier/badge", outcome.ticket).status_code == 302
