"""The courier's screens through the real app: login, deposit, undo and taking back."""

from __future__ import annotations

import re

import pytest

from locker.config import Settings
from locker.domain.states import CompartmentState, ParcelState
from locker.services.expire_overdue import expire_overdue
from locker.web import create_app
from locker.web.repeat_guard import RepeatGuard
from tests.conftest import COURIER_PIN


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


class CourierScreens:
    """What a courier does on the touchscreen."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, path: str, **data):
        page = self.client.get("/courier/login").get_data(as_text=True)
        return self.client.post(path, data={**data, "csrf_token": token(page)})

    def login(self, courier_id: int, pin: str = COURIER_PIN):
        return self.post("/courier/login", courier_id=str(courier_id), pin=pin)

    def deposit(self, tracking="SF0000000001", phone="13812345678", size="S", low=False):
        data = {"tracking": tracking, "phone": phone, "size": size}
        if low:
            data["low"] = "yes"
        return self.post("/courier/deposit", **data)


@pytest.fixture
def screens(ctx, db_path, board, clock) -> CourierScreens:
    settings = Settings(db=db_path, language="en")
    return CourierScreens(create_app(settings, board=board, clock=clock).test_client())


def text(response) -> str:
    return response.get_data(as_text=True)


def test_anonymous_visitors_see_no_courier_screen(screens):
    for path in ("/courier/", "/courier/deposit", "/courier/retrieve"):
        response = screens.client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/courier/login")


def test_a_wrong_pin_is_refused(screens, courier):
    response = screens.login(courier.id, "0000")
    assert response.status_code == 403
    assert "wrong" in text(response)
    assert screens.client.get("/courier/").status_code == 302


def test_a_courier_deposits_and_the_door_opens(screens, courier, ctx, board):
    screens.login(courier.id)
    response = screens.deposit(size="M", low=True)
    page = text(response)
    assert response.status_code == 200
    assert "Door B02 is open" in page and "close the door" in page
    parcel = ctx.store.parcel_by_tracking("SF0000000001")
    assert parcel.state is ParcelState.DEPOSITED and parcel.compartment == "B02"
    assert "13812345678" not in page  # the phone is never shown back


def test_a_bad_deposit_is_explained_and_nothing_is_reserved(screens, courier, ctx):
    screens.login(courier.id)
    response = screens.deposit(phone="12")
    assert response.status_code == 400 and "phone number" in text(response)
    assert CompartmentState.RESERVED not in {c.state for c in ctx.store.compartments()}


def test_a_wrong_deposit_is_undone_and_its_door_frees_up(screens, courier, ctx):
    screens.login(courier.id)
    screens.deposit()
    response = screens.post("/courier/undo", tracking="SF0000000001")
    assert "The deposit is undone when the door is shut" in text(response)
    assert ctx.store.parcel_by_tracking("SF0000000001").state is ParcelState.DEPOSITED
    courier.close("A01", item_present=False)
    assert ctx.store.parcel_by_tracking("SF0000000001").state is ParcelState.CANCELLED
    assert ctx.store.compartment("A01").state is CompartmentState.FREE
    # The page follows the door: once it is shut, it shows how the undo ended.
    assert "undone" in text(screens.client.get("/courier/undo?tracking=SF0000000001"))


def test_an_undo_shut_on_the_parcel_says_the_deposit_stands(screens, courier, ctx):
    screens.login(courier.id)
    screens.deposit()
    screens.post("/courier/undo", tracking="SF0000000001")
    courier.close("A01", item_present=True)
    page = text(screens.client.get("/courier/undo?tracking=SF0000000001"))
    assert "The parcel is still in door A01" in page
    assert ctx.store.parcel_by_tracking("SF0000000001").state is ParcelState.DEPOSITED


def test_the_door_problem_is_not_offered_once_the_door_was_shut(screens, courier, ctx):
    screens.login(courier.id)
    assert 'id="door-problem"' in text(screens.deposit())
    courier.close("A01", item_present=True)
    response = screens.post("/courier/door-problem", tracking="SF0000000001")
    assert response.status_code == 400 and "Use undo" in text(response)
    assert ctx.store.parcel_by_tracking("SF0000000001").state is ParcelState.DEPOSITED
    assert ctx.store.compartment("A01").state is CompartmentState.OCCUPIED


def test_expired_parcels_are_listed_and_opened_one_by_one(screens, courier, ctx, clock):
    courier.deposit("SF0000000009")
    clock.advance(hours=73)
    expire_overdue(ctx)
    screens.login(courier.id)
    assert "SF0000000009" in text(screens.client.get("/courier/retrieve"))
    response = screens.post("/courier/retrieve", tracking="SF0000000009")
    assert "Door A01 is open" in text(response)
    assert ctx.store.parcel_by_tracking("SF0000000009").state is ParcelState.RETURNED


def test_a_deposit_with_the_bus_down_says_so_and_leaves_every_door_free(
    screens, courier, ctx, board, clock
):
    # The repeat guard keeps a refusal for a few seconds: on the test's clock here.
    screens.client.application.extensions["locker_repeats"] = RepeatGuard(
        lambda: clock.now().timestamp()
    )
    board.unplugged.add("main")
    screens.login(courier.id)
    response = screens.deposit("SF0000000007")
    page = text(response)
    assert response.status_code < 500
    assert "cannot reach door" in page and "Nothing was changed" in page
    assert "reported for repair" not in page
    assert ctx.store.parcel_by_tracking("SF0000000007") is None
    assert {c.state for c in ctx.store.compartments()} == {CompartmentState.FREE}

    board.unplugged.clear()
    clock.advance(seconds=30)
    screens.deposit("SF0000000007")
    assert ctx.store.parcel_by_tracking("SF0000000007").state is ParcelState.DEPOSITED


def test_a_door_that_does_not_open_for_a_take_back_says_the_parcel_stays_inside(
    screens, courier, ctx, clock, board
):
    courier.deposit("SF0000000009")
    clock.advance(hours=73)
    expire_overdue(ctx)
    board.stuck.add(ctx.store.compartment("A01").address)
    screens.login(courier.id)
    page = text(screens.post("/courier/retrieve", tracking="SF0000000009"))
    # Worded by its own code: not the deposit's "no parcel was recorded, try another door".
    assert "the parcel stays inside" in page
    assert "No parcel was recorded" not in page
    assert ctx.store.parcel_by_tracking("SF0000000009").state is ParcelState.EXPIRED


def test_an_idle_courier_screen_logs_out_by_itself(screens, courier, clock):
    screens.login(courier.id)
    assert screens.client.get("/courier/").status_code == 200
    clock.advance(minutes=6)
    assert screens.client.get("/courier/").status_code == 302


def test_a_badge_scanned_into_the_id_field_logs_the_courier_in(screens, courier, ctx):
    from locker.services.accounts import issue_badge

    badge = issue_badge(ctx, courier.id, "admin:admin")
    response = screens.post("/courier/login", courier_id=badge, pin="")
    assert response.status_code == 302
    assert screens.client.get("/courier/").status_code == 200
    forged = badge[:-3] + "AAA"
    screens.post("/courier/logout")
    assert screens.post("/courier/login", courier_id=forged, pin="").status_code == 403


def test_a_door_that_did_not_open_is_flagged_and_the_next_deposit_gets_another(
    screens, courier, ctx
):
    screens.login(courier.id)
    screens.deposit()
    response = screens.post("/courier/door-problem", tracking="SF0000000001")
    assert "reported for repair" in text(response)
    assert ctx.store.compartment("A01").state is CompartmentState.FAULT
    assert ctx.store.parcel_by_tracking("SF0000000001").state is ParcelState.CANCELLED
    assert "Door A02 is open" in text(screens.deposit())


def test_smallest_that_fits_takes_the_smallest_free_door(screens, courier, ctx):
    screens.login(courier.id)
    page = text(screens.deposit(size="auto"))
    assert "Door A01 is open" in page
    assert ctx.store.compartment("A01").size.value == "S"


def test_the_phone_is_shown_masked_after_the_door_opens(screens, courier):
    screens.login(courier.id)
    page = text(screens.deposit(phone="13812345678"))
    assert "138****5678" in page and "13812345678" not in page


def test_bulk_mode_keeps_size_and_low_door_and_prefills_the_scanned_tracking(screens, courier):
    screens.login(courier.id)
    response = screens.post(
        "/courier/deposit",
        tracking="SF0000000001",
        phone="13812345678",
        size="M",
        low="yes",
        bulk="yes",
    )
    assert 'id="next-tracking"' in text(response)  # the next scan starts the next deposit
    form = text(screens.client.get("/courier/deposit?tracking=SF0000000002"))
    assert 'value="SF0000000002"' in form
    assert re.search(r'name="size" value="M"\s+checked', form)
    assert re.search(r'name="low" value="yes" id="low"\s+checked', form)
    assert 'id="bulk" checked' in form


def test_leaving_bulk_mode_forgets_the_kept_choices(screens, courier):
    screens.login(courier.id)
    screens.post("/courier/deposit", tracking="SF01", phone="13812345678", size="M", bulk="yes")
    screens.post("/courier/deposit", tracking="SF0000000002", phone="13812345678", size="S")
    form = text(screens.client.get("/courier/deposit"))
    assert re.search(r'name="size" value="auto"\s+checked', form)
    assert 'id="next-tracking"' not in form


def test_a_parcel_that_does_not_fit_is_offered_a_bigger_door(screens, courier, ctx):
    screens.login(courier.id)
    screens.deposit(size="S")
    screens.post("/courier/undo", tracking="SF0000000001")
    courier.close("A01", item_present=False)
    page = text(screens.client.get("/courier/undo?tracking=SF0000000001"))
    assert "/courier/deposit?tracking=SF0000000001&amp;size=M" in page
    assert ctx.store.compartment("A01").state is CompartmentState.FREE


def test_refusals_are_worded_in_chinese_on_a_chinese_screen(screens, courier):
    screens.login(courier.id)
    screens.client.get("/courier/deposit?lang=zh")
    page = text(screens.deposit(phone="12"))
    assert "电话号码为 8 到 15 位数字" in page
    assert "a phone number is" not in page


def test_the_free_counts_per_size_are_served_for_live_updates(screens, courier):
    screens.login(courier.id)
    counts = screens.client.get("/courier/free.json").get_json()
    assert set(counts["free"]) == {"S", "M", "L", "XL"}
    assert counts["fitting"]["S"] == sum(counts["free"].values())
    screens.deposit(size="S")
    assert (
        screens.client.get("/courier/free.json").get_json()["free"]["S"] == counts["free"]["S"] - 1
    )


def test_too_many_wrong_pins_pause_the_login_with_a_countdown(screens, courier):
    for wrong in ("0000", "0001", "0002", "0003", "0004"):
        screens.login(courier.id, wrong)
    response = screens.login(courier.id)
    assert response.status_code == 429
    assert 'data-error="locked"' in text(response)


def test_bulk_choices_do_not_carry_over_to_the_next_courier(screens, courier, ctx):
    screens.login(courier.id)
    screens.post("/courier/deposit", tracking="SF01", phone="13812345678", size="L", bulk="yes")
    screens.client.get("/?idle=1")  # walked away: the screen went home by itself
    screens.login(courier.id)
    form = text(screens.client.get("/courier/deposit"))
    assert 'id="bulk" checked' not in form
    assert re.search(r'name="size" value="auto"\s+checked', form)


@pytest.mark.parametrize(
    ("lang", "truth"),
    [("en", "No message can be sent from this locker"), ("zh", "本快递柜无法发送消息")],
)
def test_the_door_open_screen_promises_no_message_that_nobody_sends(screens, courier, lang, truth):
    # This locker has no channel: nothing will tell the recipient (test_deposit_messages.py).
    screens.client.get(f"/courier/login?lang={lang}")
    screens.login(courier.id)
    page = text(screens.deposit())
    assert truth in page
    assert "recipient gets the pickup code" not in page and "收件人将收到取件码" not in page


def test_a_reload_of_the_door_open_page_shows_the_same_door_and_its_undo(screens, courier, ctx):
    screens.login(courier.id)
    data = {"tracking": "SF0000000001", "phone": "13812345678", "size": "S"}
    form = text(screens.client.get("/courier/deposit"))
    posted = screens.client.post(
        "/courier/deposit", data={**data, "csrf_token": token(form)}, follow_redirects=False
    )
    assert posted.status_code == 303 and "/again/" in posted.location
    first, reloaded = (
        text(screens.client.get(posted.location)),
        text(screens.client.get(posted.location)),
    )
    for page in (first, reloaded):
        assert "Door A01 is open" in page and 'id="undo"' in page
        assert "already in this locker" not in page
    assert len(ctx.store.parcels()) == 1


def test_the_menu_offers_the_undo_after_the_idle_return_and_a_new_login(screens, courier, ctx):
    screens.login(courier.id)
    screens.deposit()
    screens.client.get("/?idle=1")  # the screen went home: the session and the page are gone
    assert screens.client.get("/courier/").status_code == 302
    screens.login(courier.id)
    menu = text(screens.client.get("/courier/"))
    row = re.search(r'<li data-tracking="SF0000000001" data-door="A01">(.*?)</li>', menu, re.S)
    assert row, "the menu does not list the deposit"
    assert "138****5678" in row.group(1) and "13812345678" not in menu
    assert 'action="/courier/undo"' in row.group(1)
    response = screens.post("/courier/undo", tracking="SF0000000001")
    assert "The deposit is undone when the door is shut" in text(response)
    assert "open for the undo" in text(screens.client.get("/courier/"))
    courier.close("A01", item_present=False)
    assert ctx.store.parcel_by_tracking("SF0000000001").state is ParcelState.CANCELLED
    assert "SF0000000001" not in text(screens.client.get("/courier/"))


def test_the_menu_lists_only_the_courier_s_own_deposits_of_the_cancel_window(
    screens, courier, ctx, clock
):
    from tests.conftest import CourierActions

    other = CourierActions(ctx, carrier="ZTO")
    other.deposit("ZT0000000001")
    screens.login(courier.id)
    screens.deposit()
    courier.close("A01", item_present=True)
    clock.advance(minutes=9)
    screens.login(courier.id)  # the idle logout came meanwhile
    menu = text(screens.client.get("/courier/"))
    assert 'data-tracking="SF0000000001"' in menu and "ZT0000000001" not in menu
    clock.advance(minutes=1, seconds=1)
    menu = text(screens.client.get("/courier/"))
    assert "SF0000000001" not in menu and 'id="recent"' not in menu
    response = screens.post("/courier/undo", tracking="SF0000000001")
    assert "within 10 minutes" in text(response)
