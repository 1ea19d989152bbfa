"""A scan that needs the page's session hands it a one-time ticket: a badge, or more parcels."""

from __future__ import annotations

import pytest

from locker.services.accounts import issue_badge, set_courier_active
from locker.services.scan_pickup import pickup_by_scan
from locker.services.scan_tickets import COURIER, MORE, ScanTickets

PHONE = "13812345678"


@pytest.fixture
def tickets(clock) -> ScanTickets:
    return ScanTickets(clock)


def test_a_valid_badge_gives_a_courier_ticket_and_opens_nothing(ctx, courier, board, tickets):
    text = issue_badge(ctx, courier.id, "test")
    outcome = pickup_by_scan(ctx, text, tickets)
    assert (outcome.reason, outcome.opened, outcome.ticket_kind) == ("badge", None, COURIER)
    claim = tickets.redeem(outcome.ticket, COURIER)
    assert claim["courier"] == courier.id
    assert text not in repr(claim) and text not in outcome.message
    assert board.opened == []


def test_a_replaced_badge_is_refused_without_a_ticket(ctx, courier, tickets):
    old = issue_badge(ctx, courier.id, "test")
    issue_badge(ctx, courier.id, "test")
    outcome = pickup_by_scan(ctx, old, tickets)
    assert (outcome.reason, outcome.ticket) == ("badge_refused", None)
    assert len(tickets) == 0


def test_a_disabled_couriers_badge_is_refused(ctx, courier, tickets):
    text = issue_badge(ctx, courier.id, "test")
    set_courier_active(ctx, courier.id, False, "test")
    assert pickup_by_scan(ctx, text, tickets).reason == "badge_refused"


@pytest.mark.parametrize("text", ["CB1:", "CB1:1:short:sig", "CB1:1:" + "A" * 16 + ":" + "B" * 22])
def test_a_forged_or_broken_badge_is_refused(ctx, courier, tickets, text):
    outcome = pickup_by_scan(ctx, text, tickets)
    assert (outcome.reason, outcome.ticket) == ("badge_refused", None)


def test_without_a_ticket_store_a_badge_logs_nobody_in(ctx, courier):
    outcome = pickup_by_scan(ctx, issue_badge(ctx, courier.id, "test"))
    assert (outcome.reason, outcome.ticket) == ("badge_refused", None)


def test_a_pickup_with_more_parcels_gives_a_ticket_for_them(ctx, courier, tickets):
    first = courier.deposit(tracking="SF0000000001", phone=PHONE)
    second = courier.deposit(tracking="SF0000000002", phone=PHONE)
    courier.deposit(tracking="SF0000000003", phone="13900000000")
    outcome = pickup_by_scan(ctx, first.qr, tickets)
    assert outcome.opened == first.compartment
    assert outcome.ticket_kind == MORE
    claim = tickets.redeem(outcome.ticket, MORE)
    assert claim == {"first": first.parcel.id, "ids": [second.parcel.id]}


def test_a_pickup_with_nothing_more_gives_no_ticket(ctx, courier, tickets):
    receipt = courier.deposit()
    outcome = pickup_by_scan(ctx, receipt.qr, tickets)
    assert outcome.opened == receipt.compartment
    assert (outcome.ticket, outcome.ticket_kind) == (None, None)
    assert len(tickets) == 0


def test_a_waybill_held_up_is_read_as_a_tracking_number_and_opens_nothing(ctx, courier, board):
    courier.deposit()
    before = len(board.opened)
    outcome = pickup_by_scan(ctx, "sf2026111100001")
    assert (outcome.reason, outcome.tracking, outcome.opened) == (
        "not_pickup",
        "SF2026111100001",
        None,
    )
    assert len(board.opened) == before


def test_a_scan_that_cannot_be_a_tracking_number_is_only_not_a_pickup_code(ctx):
    outcome = pickup_by_scan(ctx, "https://example.com/promo?id=7")
    assert (outcome.reason, outcome.tracking) == ("not_pickup", None)
