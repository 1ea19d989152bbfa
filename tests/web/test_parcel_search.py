"""The admin's parcel search: find a parcel as a caller describes it, then reissue its code,
open its door (asked first) or read its history, and come back to the results."""

from __future__ import annotations

import re

import pytest

from locker.config import Settings
from locker.web import create_app
from tests.web.test_admin_area import AdminActions, text

PHONE, MASKED = "13812345678", "138****5678"


@pytest.fixture
def app(ctx, db_path, board, clock):
    return create_app(Settings(db=db_path, language="en"), board=board, clock=clock)


@pytest.fixture
def admin(app) -> AdminActions:
    actions = AdminActions(app.test_client())
    actions.login()
    return actions


def results(page: str) -> list[tuple[str, str]]:
    """(tracking, state) of each result, in order."""
    return re.findall(r'<tr data-parcel="\d+" data-tracking="([^"]+)" data-state="(\w+)">', page)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("SF0000000001", [("SF0000000001", "deposited")]),
        ("sf 0000 0000 01", [("SF0000000001", "deposited")]),  # as read out, in small letters
        ("0000000002", [("SF0000000002", "collected")]),  # part of a tracking number
        ("5678", [("SF0000000001", "deposited"), ("SF0000000002", "collected")]),  # phone's end
        ("A01", [("SF0000000001", "deposited"), ("SF0000000002", "collected")]),  # the door
        ("1111", []),
    ],
)
def test_a_parcel_is_found_by_tracking_number_phone_end_or_door(admin, ctx, courier, typed, found):
    from locker.services.collect_parcel import collect_by_code

    first = courier.deposit("SF0000000002", phone=PHONE)
    collect_by_code(ctx, first.code)
    courier.close(first.compartment)
    courier.deposit("SF0000000001", phone=PHONE, size=first.parcel.size)
    page = admin.page(f"/admin/parcels?q={typed}")
    assert results(page) == found
    assert PHONE not in page
    if found:
        assert MASKED in page
    else:
        assert 'id="none"' in page


def test_the_count_of_results_is_in_the_screens_language_and_number(admin, courier):
    courier.deposit("SF0000000001", phone=PHONE)
    courier.deposit("SF0000000002", phone=PHONE)
    assert "2 parcels found." in admin.page("/admin/parcels?q=5678")
    assert "1 parcel found." in admin.page("/admin/parcels?q=SF0000000001")
    assert "找到 2 个包裹。" in admin.page("/admin/parcels?q=5678&lang=zh")


def test_a_result_shows_state_door_and_deadline_in_the_locker_s_time_zone(admin, courier):
    receipt = courier.deposit("SF0000000001", phone=PHONE)
    page = admin.page("/admin/parcels?q=5678")
    row = re.search(r"<tr data-parcel=.*?</tr>", page, re.S)[0]
    assert "Waiting for pickup" in row and f"<td>{receipt.compartment}</td>" in row
    # Deposited at 09:00 UTC, untold: 72 hours on, 17:00 in Shanghai.
    assert "2026-11-14 17:00:00" in row and "Deadline (Asia/Shanghai)" in page
    assert "等待取件" in admin.page("/admin/parcels?q=5678&lang=zh")


def test_a_search_that_names_nothing_is_refused_in_words(admin):
    response = admin.client.get("/admin/parcels?q=%25%3Cscript%3E")
    assert response.status_code == 400
    assert "Type a tracking number, the last four digits" in text(response)
    assert "%<script>" not in text(response) and 'value="%&lt;script&gt;"' in text(response)


def test_a_code_is_reissued_from_the_result_and_back_returns_to_it(admin, courier, ctx):
    receipt = courier.deposit("SF0000000001", phone=PHONE)
    page = admin.page("/admin/parcels?q=5678")
    assert 'action="/admin/reissue"' in page
    response = admin.post("/admin/reissue", tracking="SF0000000001", q="5678")
    page = text(response)
    code = re.search(r'<p class="code" id="new-code">(\d+)</p>', page)[1]
    assert code != receipt.code
    assert 'href="/admin/parcels?q=5678" class="back" id="back"' in page
    assert [r.action for r in ctx.store.audit_records()].count("code.reissued") == 1


def test_its_door_opens_from_the_result_after_a_confirmation(admin, courier, ctx, board):
    receipt = courier.deposit("SF0000000001", phone=PHONE)
    opened = len(board.opened)
    page = admin.page("/admin/parcels?q=SF0000000001")
    assert f'data-door="{receipt.compartment}"' in page
    asking = admin.post("/admin/doors/open", label=receipt.compartment, q="SF0000000001")
    page = text(asking)
    assert f"Open door {receipt.compartment} for service?" in page
    assert "Parcel SF0000000001 is inside" in page
    assert 'name="confirmed" value="yes"' in page and 'name="q" value="SF0000000001"' in page
    assert len(board.opened) == opened
    assert "door.force_open" not in [r.action for r in ctx.store.audit_records()]
    done = admin.post(
        "/admin/doors/open",
        label=receipt.compartment,
        reason="recipient on the phone",
        confirmed="yes",
        q="SF0000000001",
    )
    assert done.location == "/admin/parcels?q=SF0000000001"
    assert f"Door {receipt.compartment} is open" in admin.page(done.location)
    assert len(board.opened) == opened + 1


def test_a_parcel_s_history_is_told_in_words(admin, courier, ctx, clock):
    from locker.services.force_open import force_open
    from locker.services.reissue_code import reissue_code

    receipt = courier.deposit("SF0000000001", phone=PHONE)
    clock.advance(minutes=1)
    reissue_code(ctx, "admin:admin", "SF0000000001")
    clock.advance(minutes=1)
    force_open(ctx, "admin", receipt.compartment, "recipient on the phone")
    page = admin.page(f"/admin/parcels/{receipt.parcel.id}?q=5678")
    history = re.search(r'<table id="history">(.*?)</table>', page, re.S)[1]
    actions = re.findall(r'<tr data-action="([\w.]+)">', history)
    assert actions == [
        "deposit",
        "parcel.deposited",
        "parcel.shut_in",
        "code.reissued",
        "service",
        "door.force_open",
    ]
    door = receipt.compartment
    assert f"Door {door}: Deposit, opened." in history
    assert f"Deposited in door {door} (size S) for {MASKED}." in history
    # An opening of its door while it was inside is part of its story.
    assert f"Door {door} was opened for service: recipient on the phone" in history
    assert "{" not in history and PHONE not in page
    assert 'href="/admin/parcels?q=5678" class="back" id="back"' in page
    assert "包裹 SF0000000001" in admin.page(f"/admin/parcels/{receipt.parcel.id}?lang=zh")


def test_the_history_ends_when_the_parcel_left_its_door(admin, courier, ctx, clock):
    from locker.services.collect_parcel import collect_by_code
    from locker.services.force_open import force_open

    receipt = courier.deposit("SF0000000001", phone=PHONE)
    clock.advance(minutes=1)
    collect_by_code(ctx, receipt.code)
    courier.close(receipt.compartment)
    clock.advance(minutes=1)
    force_open(ctx, "admin", receipt.compartment, "cleaning")
    page = admin.page(f"/admin/parcels/{receipt.parcel.id}")
    history = re.search(r'<table id="history">(.*?)</table>', page, re.S)[1]
    assert re.findall(r'<tr data-action="([\w.]+)">', history)[-2:] == [
        "collect",
        "parcel.collected",
    ]
    assert "cleaning" not in history


def test_the_history_leaves_out_an_earlier_parcel_with_the_same_tracking_number(
    admin, courier, ctx
):
    from locker.services.cancel_deposit import cancel_deposit

    first = courier.deposit("SF0000000001", phone=PHONE)
    cancel_deposit(ctx, courier.id, "SF0000000001")
    courier.close(first.compartment, item_present=False)
    second = courier.deposit("SF0000000001", phone="13900001111")
    page = admin.page(f"/admin/parcels/{second.parcel.id}")
    history = re.search(r'<table id="history">(.*?)</table>', page, re.S)[1]
    assert "parcel.cancelled" not in history and "cancel" not in re.findall(
        r'data-action="([\w.]+)"', history
    )
    assert re.findall(r'data-action="([\w.]+)"', history).count("deposit") == 1
    assert "139****1111" in history and MASKED not in history


def test_an_unknown_parcel_s_history_is_a_404_in_words(admin):
    response = admin.client.get("/admin/parcels/424242")
    assert response.status_code == 404
    assert "There is no parcel record 424242." in text(response)


@pytest.mark.parametrize("typed", [PHONE, "138 1234 5678", "138-1234-5678"])
def test_a_whole_phone_number_is_searched_by_its_last_four_digits_and_never_echoed(
    admin, courier, typed
):
    courier.deposit("SF0000000001", phone=PHONE)

    response = admin.client.get(f"/admin/parcels?q={typed}", follow_redirects=False)

    assert response.status_code == 303
    assert PHONE not in response.headers["Location"]
    page = admin.page(response.headers["Location"])
    assert results(page) == [("SF0000000001", "deposited")]
    assert PHONE not in page and "1234" not in page
    assert 'value="5678"' in page


def test_the_history_names_the_courier_who_did_it(admin, courier, ctx):
    receipt = courier.deposit("SF0000000001", phone=PHONE)
    page = admin.page(f"/admin/parcels/{receipt.parcel.id}")
    history = re.search(r'<table id="history">(.*?)</table>', page, re.S)[1]
    assert f"Test Courier (SF Express, courier:{courier.id})" in history
