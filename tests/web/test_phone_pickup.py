"""The phone-and-code path through the real app: two keypad steps, and a screen for each refusal."""

from __future__ import annotations

import re

import pytest

from locker.config import Settings
from locker.web import create_app

SUPPORT = "400-555-0100"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PhoneSteps:
    """What a recipient without a smartphone does at the touchscreen."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self, page: str | None = None) -> str:
        page = page or self.client.get("/pickup/phone").get_data(as_text=True)
        return CSRF.search(page).group(1)

    def digits(self, ending: str):
        return self.client.post(
            "/pickup/phone", data={"phone_end": ending, "csrf_token": self.token()}
        )

    def code(self, ending: str, code: str):
        return self.client.post(
            "/pickup/phone/code",
            data={"phone_end": ending, "code": code, "csrf_token": self.token()},
        )


@pytest.fixture
def phone(ctx, db_path, board, clock) -> PhoneSteps:
    settings = Settings(db=db_path, support_contact=SUPPORT, language="en")
    return PhoneSteps(create_app(settings, board=board, clock=clock).test_client())


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_home_screen_leads_to_the_phone_and_code_path(phone):
    home = text(phone.client.get("/"))
    assert 'href="/pickup/phone"' in home and "No smartphone?" in home
    first = text(phone.client.get("/pickup/phone"))
    assert (
        "Step 1 of 2" in first and 'name="phone_end"' in first and 'action="/pickup/phone"' in first
    )


def test_the_digits_then_the_code_open_the_door(phone, courier):
    receipt = courier.deposit(phone="13812345678")
    second = phone.digits("5678")
    page = text(second)
    assert second.status_code == 200 and "Step 2 of 2" in page
    assert "ending in 5678" in page and 'name="phone_end" value="5678"' in page
    assert 'action="/pickup/phone/code"' in page
    opened = phone.code("5678", receipt.code)
    assert opened.status_code == 200
    assert f"Door {receipt.compartment} is open" in text(opened)


def test_a_wrong_code_keeps_the_second_step_with_the_digits_still_typed_in(phone, courier):
    courier.deposit(phone="13812345678")
    response = phone.code("5678", "00000001")
    page = text(response)
    assert response.status_code == 403 and 'data-reason="phone_wrong"' in page
    assert re.search(r'id="code"[^>]*value="00000001"', page)
    assert 'name="phone_end" value="5678"' in page and "Wrong phone digits or code" in page
    assert "tries left" not in page, "a count would tell whether the digits matched a parcel"


def test_badly_typed_digits_keep_the_first_step(phone):
    response = phone.digits("567")
    page = text(response)
    assert response.status_code == 400 and 'data-reason="phone_ending"' in page
    assert re.search(r'id="phone-end"[^>]*value="567"', page)


def test_a_badly_typed_code_keeps_the_second_step(phone, courier):
    courier.deposit(phone="13812345678")
    response = phone.code("5678", "1234")
    assert response.status_code == 400 and 'data-reason="format"' in text(response)
    assert "Step 2 of 2" in text(response)


def test_five_wrong_codes_pause_that_phone_number_while_another_still_works(phone, courier):
    courier.deposit("SF0001", phone="13812345678")
    other = courier.deposit("SF0002", phone="13700001111")
    for wrong in range(5):
        assert phone.code("5678", f"0000000{wrong}").status_code == 403
    paused = phone.code("5678", "00000009")
    assert paused.status_code == 429 and 'data-reason="phone_locked"' in text(paused)
    assert "try again in 30 seconds" in text(paused) and SUPPORT in text(paused)
    assert 'href="/" id="code-alone"' in text(paused)  # the code alone stays open
    assert phone.digits("5678").status_code == 429  # said at the first step already
    assert "is open" in text(phone.code("1111", other.code))


def test_guesses_at_digits_that_match_no_parcel_pause_only_such_guesses(phone, courier):
    receipt = courier.deposit(phone="13812345678")
    for wrong in range(30):
        phone.code("0000", f"{wrong:08d}")
    paused = phone.digits("0000")
    assert paused.status_code == 429 and 'data-reason="phone_paused"' in text(paused)
    assert 'href="/" id="code-alone"' in text(paused)
    assert "is open" in text(phone.code("5678", receipt.code))


def test_the_right_digits_and_code_of_a_collected_parcel_say_so(phone, courier, clock):
    receipt = courier.deposit(phone="13812345678")
    phone.code("5678", receipt.code)
    clock.advance(seconds=61)
    page = text(phone.code("5678", receipt.code))
    assert 'data-reason="used"' in page and SUPPORT in page


@pytest.mark.parametrize(
    ("ending", "code"),
    [
        ("5678", "9" * 10_000),
        ("5678", "1234\x005678"),
        ("5678", "1234\r\n5678"),
        ("9" * 10_000, "12345678"),
        ("56\x0078", "12345678"),
    ],
)
def test_hostile_typing_is_refused_and_not_put_back_on_the_screen(phone, courier, ending, code):
    courier.deposit(phone="13812345678")
    response = phone.code(ending, code)
    page = text(response)
    assert response.status_code == 400
    assert "9" * 100 not in page and "\x00" not in page and "1234\r\n" not in page
