"""The recipient's pickup at the keypad, through the real app: every outcome has its screen."""

from __future__ import annotations

import re

import pytest

from locker.config import Settings
from locker.health import BusHealth, HardwareHealth
from locker.services.service_state import set_out_of_service
from locker.web import create_app
from locker.web.repeat_guard import RepeatGuard
from tests.conftest import COURIER_PIN

SUPPORT = "400-555-0100"


class KioskActions:
    """What a recipient does at the touchscreen."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self) -> str:
        page = self.client.get("/").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def pickup(self, code: str):
        # A repeat is answered with a 303 to the first one's page: follow it as a browser does.
        return self.client.post(
            "/pickup", data={"code": code, "csrf_token": self.token()}, follow_redirects=True
        )

    def open_more(self, page: str):
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.client.post("/pickup/more", data={"csrf_token": token})


@pytest.fixture
def kiosk(ctx, db_path, board, clock) -> KioskActions:
    settings = Settings(db=db_path, support_contact=SUPPORT, language="en")
    app = create_app(settings, board=board, clock=clock)
    return KioskActions(app.test_client())


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_right_code_opens_the_door_and_shows_it_on_the_cabinet_map(kiosk, courier, board):
    receipt = courier.deposit()
    response = kiosk.pickup(receipt.code)
    assert response.status_code == 200
    page = text(response)
    assert f"Door {receipt.compartment} is open" in page
    assert "Take your parcel and close the door" in page
    assert f'class="door highlight" data-label="{receipt.compartment}"' in page
    assert (
        board.opened == [courier.ctx.store.compartment(receipt.compartment).address] * 2
    )  # once for the deposit, once for the pickup


@pytest.mark.parametrize(
    ("code", "status", "reason", "words"),
    [
        ("12", 400, "format", "A pickup code has 8 digits"),
        ("00000000", 403, "unknown", "Wrong code"),
    ],
)
def test_a_bad_code_gets_a_clear_screen_with_the_support_contact(
    kiosk, courier, code, status, reason, words
):
    courier.deposit()
    response = kiosk.pickup(code)
    assert response.status_code == status
    page = text(response)
    assert f'data-reason="{reason}"' in page and words in page and SUPPORT in page


@pytest.mark.parametrize(("code", "reason"), [("1234567", "format"), ("00000001", "unknown")])
def test_a_refused_code_keeps_the_keypad_with_the_digits_still_typed_in(
    kiosk, courier, code, reason
):
    courier.deposit()
    page = text(kiosk.pickup(code))
    assert 'action="/pickup"' in page and 'class="key-back"' in page
    assert re.search(rf'id="code"[^>]*value="{code}"', page), "the typed code is gone"
    # The refusal stands above the field it is about.
    assert page.index(f'data-reason="{reason}"') < page.index('id="code"')


def test_a_refused_codes_page_reloads_as_the_same_keypad(kiosk, courier):
    courier.deposit()
    response = kiosk.pickup("00000001")
    again = kiosk.client.get(response.request.path)
    assert again.status_code == 403 and 'value="00000001"' in text(again)


def test_a_used_code_still_gets_its_own_screen(kiosk, courier, clock):
    receipt = courier.deposit()
    kiosk.pickup(receipt.code)
    clock.advance(seconds=61)
    page = text(kiosk.pickup(receipt.code))
    assert 'data-reason="used"' in page and 'id="code"' not in page


def test_the_paused_keypad_offers_the_phone_and_code_path(kiosk, courier):
    courier.deposit()
    for wrong in range(5):
        kiosk.pickup(f"0000000{wrong}")
    page = text(kiosk.pickup("00000009"))
    assert 'data-reason="locked"' in page and 'href="/pickup/phone"' in page


def test_five_wrong_codes_pause_the_keypad(kiosk, courier):
    receipt = courier.deposit()
    for left in (4, 3, 2, 1):
        assert f"{left} tr" in text(kiosk.pickup(f"0000000{left}"))
    kiosk.pickup("00000000")
    response = kiosk.pickup(receipt.code)
    assert response.status_code == 429
    assert "try again in 30 seconds" in text(response)


def test_wrong_codes_count_against_the_keypad_for_five_minutes(kiosk, courier, clock):
    receipt = courier.deposit()
    for wrong in range(4):
        kiosk.pickup(f"0000000{wrong}")
    clock.advance(minutes=5)  # those four are now outside the window
    assert "4 tries left" in text(kiosk.pickup("00000000"))
    assert kiosk.pickup(receipt.code).status_code == 200


def test_expired_and_collected_codes_say_what_happened(kiosk, courier, clock):
    first = courier.deposit("SF0001")
    second = courier.deposit("SF0002", phone="13900001111")
    kiosk.pickup(first.code)
    # Typed again at once, it is a double tap and shows the open door again; later, not.
    assert "Door A01 is open" in text(kiosk.pickup(first.code))
    clock.advance(seconds=61)
    assert "already been collected" in text(kiosk.pickup(first.code))
    clock.advance(hours=73)
    page = text(kiosk.pickup(second.code))
    assert "This code has expired" in page and "Contact the carrier" in page


def test_a_door_that_does_not_open_tells_the_recipient_the_parcel_is_safe(kiosk, courier, board):
    receipt = courier.deposit()
    board.stuck.add(courier.ctx.store.compartment(receipt.compartment).address)
    response = kiosk.pickup(receipt.code)
    assert response.status_code == 503
    assert "Your parcel is safe inside" in text(response)


def test_with_the_boards_out_of_reach_the_code_still_works_a_minute_later(
    kiosk, courier, board, clock
):
    # The screen's repeat guard keeps a refusal for a few seconds, on the test's clock here.
    kiosk.client.application.extensions["locker_repeats"] = RepeatGuard(
        lambda: clock.now().timestamp()
    )
    receipt = courier.deposit()
    board.unplugged.add("main")
    response = kiosk.pickup(receipt.code)
    page = text(response)
    assert response.status_code == 503
    assert 'data-reason="unreachable"' in page
    assert "cannot reach its doors" in page and "your code still works" in page
    assert "reported for repair" not in page

    assert courier.ctx.store.compartment(receipt.compartment).state.value == "occupied"

    board.unplugged.clear()
    clock.advance(minutes=1)
    assert f"Door {receipt.compartment} is open" in text(kiosk.pickup(receipt.code))


def test_the_home_screen_says_so_while_a_bus_is_down(ctx, db_path, board, clock):
    buses = [BusHealth("main", "/dev/ttyUSB0", connected=False, reconnects=3)]
    settings = Settings(db=db_path, support_contact=SUPPORT, language="zh")
    app = create_app(settings, board=board, clock=clock, health=lambda: HardwareHealth(buses))
    home = app.test_client().get("/")
    assert home.status_code == 200
    assert 'id="doors-unreachable" role="status">' in text(home) and "暂时无法连接柜门" in text(
        home
    )
    assert 'id="code-form"' in text(home)

    buses[0] = BusHealth("main", "/dev/ttyUSB0", connected=True, reconnects=4)
    assert 'id="doors-unreachable" role="status" hidden>' in text(app.test_client().get("/"))


def test_the_recipients_other_parcels_open_too_on_confirmation(kiosk, courier, board):
    first = courier.deposit("SF0001", phone="13812345678")
    second = courier.deposit("SF0002", phone="13812345678")
    page = text(kiosk.pickup(first.code))
    assert "You have 1 more parcel here" in page
    response = kiosk.open_more(page)
    assert f"Door {second.compartment} is open" in text(response)
    assert courier.ctx.store.parcel(second.parcel.id).state.value == "collected"
    # The confirmation is spent: posting it again opens nothing more.
    before = len(board.opened)
    kiosk.open_more(page)
    assert len(board.opened) == before


def test_a_form_without_its_csrf_token_is_refused(kiosk, courier, board):
    receipt = courier.deposit()
    response = kiosk.client.post("/pickup", data={"code": receipt.code})
    assert response.status_code == 400
    assert len(board.opened) == 1  # the deposit only


def test_the_language_switches_and_is_remembered(kiosk, courier):
    page = text(kiosk.client.get("/?lang=zh"))
    assert "取件" in page and 'lang="zh-CN"' in page
    assert "请输入" in text(kiosk.client.get("/"))  # the cookie keeps Chinese
    receipt = courier.deposit()
    assert f"{receipt.compartment} 号柜门已打开" in text(kiosk.pickup(receipt.code))
    assert "Pick up a parcel" in text(kiosk.client.get("/?lang=en"))


def test_each_page_is_worded_in_its_own_language_alone(kiosk):
    # The catalogue is found once per page: never the last page's, nor the visit's once it ended.
    for _ in range(2):
        chinese = text(kiosk.client.get("/?lang=zh"))
        assert "取件" in chinese and "Pick up a parcel" not in chinese
        english = text(kiosk.client.get("/?lang=en"))
        assert "Pick up a parcel" in english and "取件" not in english
    kiosk.client.get("/?lang=zh")
    home = text(kiosk.client.get("/?idle=1"))  # the visit ended before the page was worded
    assert "Pick up a parcel" in home and "取件" not in home


def test_a_keyboard_wedge_scanner_typing_the_qr_opens_the_door(kiosk, courier):
    receipt = courier.deposit()
    response = kiosk.pickup(receipt.qr)
    assert f"Door {receipt.compartment} is open" in text(response)


def test_large_text_mode_is_switched_on_and_remembered(kiosk):
    assert 'class="large"' in text(kiosk.client.get("/?text=large"))
    assert 'class="large"' in text(kiosk.client.get("/"))
    assert 'class="large"' not in text(kiosk.client.get("/?text=normal"))


def test_a_screen_left_alone_returns_home_and_ends_a_staff_session(kiosk, courier):
    page = text(kiosk.client.get("/courier/login"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    kiosk.client.post(
        "/courier/login",
        data={"courier_id": str(courier.id), "pin": COURIER_PIN, "csrf_token": token},
    )
    assert kiosk.client.get("/courier/").status_code == 200
    assert 'location.href = "/?idle=1"' in text(kiosk.client.get("/courier/"))
    kiosk.client.get("/?idle=1")
    assert kiosk.client.get("/courier/").status_code == 302


def test_the_next_person_starts_in_the_lockers_language_and_normal_text(kiosk, courier):
    kiosk.client.get("/?lang=zh")
    assert 'class="large"' in text(kiosk.client.get("/?text=large"))
    page = text(kiosk.client.get("/courier/login"))
    assert 'lang="zh-CN"' in page and 'class="large"' in page

    home = kiosk.client.get("/?idle=1")  # the screen went back home by itself

    page = text(home)
    assert 'lang="en"' in page and 'class="large"' not in page
    cleared = [c for c in home.headers.getlist("Set-Cookie") if "Max-Age=0" in c]
    assert sorted(c.split("=")[0] for c in cleared) == ["lang", "text"]
    page = text(kiosk.client.get("/courier/login"))
    assert 'lang="en"' in page and 'class="large"' not in page


def test_a_home_screen_in_a_visitors_language_goes_back_home_by_itself(kiosk):
    def has_idle_return(path: str) -> bool:
        return "idleTimer = setTimeout" in text(kiosk.client.get(path))

    assert not has_idle_return("/")
    assert has_idle_return("/?lang=zh")
    assert has_idle_return("/")  # the cookie keeps the visitor's choice
    assert not has_idle_return("/?idle=1")
    assert has_idle_return("/?text=large")


def test_done_after_a_pickup_ends_the_visit(kiosk, courier):
    receipt = courier.deposit()
    page = text(kiosk.pickup(receipt.code))
    assert re.search(r'href="/\?idle=1" id="done"', page)


def test_a_valid_code_for_an_out_of_service_door_gets_its_own_screen(kiosk, courier, board):
    receipt = courier.deposit()
    set_out_of_service(courier.ctx, "admin", receipt.compartment, "hinge broken")
    fired = len(board.opened)
    response = kiosk.pickup(receipt.code)
    page = text(response)
    assert response.status_code == 503
    assert f"Door {receipt.compartment} is out of service" in page
    assert f"quote door {receipt.compartment}" in page and SUPPORT in page
    assert "did not open" not in page
    assert len(board.opened) == fired


def test_a_sibling_door_that_does_not_open_does_not_hide_the_ones_that_did(kiosk, courier, board):
    first = courier.deposit("SF0001", phone="13812345678")
    second = courier.deposit("SF0002", phone="13812345678")
    third = courier.deposit("SF0003", phone="13812345678")
    board.stuck.add(courier.ctx.store.compartment(third.compartment).address)
    page = text(kiosk.pickup(first.code))
    assert "You have 2 more parcels here" in page
    response = kiosk.open_more(page)
    shown = text(response)
    assert response.status_code == 200
    assert f"Door {second.compartment} is open" in shown
    assert f'data-failed="{third.compartment}"' in shown and "safe inside" in shown


@pytest.mark.parametrize("typed", ["9" * 10_000, "1234\x005678", "1234\r\n5678"])
def test_hostile_typing_is_refused_and_not_put_back_on_the_keypad(kiosk, typed):
    page = kiosk.pickup(typed).get_data(as_text=True)
    assert 'data-reason="format"' in page
    assert "9" * 100 not in page and "\x00" not in page and "1234\r\n" not in page
