"""The courier's deposit screen and its confirmation: the recipient's language and e-mail go to
the deposit, and the confirmation promises only the messages the locker will really send."""

from __future__ import annotations

import base64
import html
import re

import cv2
import numpy as np
import pytest

from locker.config import Settings
from locker.domain import qr_payload
from locker.notify.demo_inbox import DemoInbox
from locker.scanner.decoding import FrameDecoder
from locker.services.collect_parcel import collect_by_code
from locker.web import create_app
from tests.support.channels import RecordingChannel
from tests.web.test_courier_area import CourierScreens, text

PHONE = "13812345678"
EMAIL = "wang.fang@example.com"


def screens_for(ctx, db_path, board, clock, channels, language="en") -> CourierScreens:
    """The courier's screens on a locker whose messages go out on `channels` (by name)."""
    made = {name: DemoInbox() if name == "demo" else RecordingChannel(name) for name in channels}
    ctx.channels = made
    settings = Settings(db=db_path, language=language)
    app = create_app(settings, board=board, clock=clock, channels=made)
    return CourierScreens(app.test_client())


@pytest.fixture
def screens(ctx, db_path, board, clock) -> CourierScreens:
    return screens_for(ctx, db_path, board, clock, ["sms", "email"])


def deposit(screens: CourierScreens, **fields: str):
    data = {"tracking": "SF0000000001", "phone": PHONE, "size": "S", **fields}
    return screens.post("/courier/deposit", **data)


def read_qr(page: str) -> str:
    """The pickup QR on the page, read as the camera reads one."""
    found = re.search(r'id="pickup-qr" src="data:image/png;base64,([^"]+)"', page)
    png = base64.b64decode(found[1])
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    [code] = FrameDecoder().decode(image)
    return code.text


def checked_language(page: str) -> list[str]:
    return re.findall(r'name="language" value="(\w+)"\s+checked', page)


def done_text(page: str) -> str:
    """The step the page shows once the door shuts."""
    return html.unescape(re.search(r'data-done="([^"]*)"', page)[1])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_recipients_language_is_the_lockers_unless_the_courier_chooses(
    ctx, db_path, board, clock, courier, language
):
    screens = screens_for(ctx, db_path, board, clock, ["sms"], language=language)
    screens.login(courier.id)
    assert checked_language(text(screens.client.get("/courier/deposit"))) == [language]


def test_the_email_and_language_go_with_the_deposit(screens, courier, ctx):
    screens.login(courier.id)
    response = deposit(screens, email="Wang.Fang@Example.COM", language="zh")
    assert response.status_code == 200
    parcel = ctx.store.parcel_by_tracking("SF0000000001")
    assert parcel.recipient_email == "Wang.Fang@example.com" and parcel.language == "zh"
    queued = {m.channel: m for m in ctx.store.parcel_messages(parcel.id)}
    assert set(queued) == {"sms", "email"}
    assert queued["email"].recipient == "Wang.Fang@example.com"
    assert {m.language for m in queued.values()} == {"zh"}


def test_bulk_mode_keeps_the_language_but_never_the_email(screens, courier):
    screens.login(courier.id)
    deposit(screens, email=EMAIL, language="zh", bulk="yes", size="M")
    form = text(screens.client.get("/courier/deposit?tracking=SF0000000002"))
    assert checked_language(form) == ["zh"]
    assert re.search(r'name="size" value="M"\s+checked', form)
    assert EMAIL not in form


@pytest.mark.parametrize(
    ("field", "value", "zh_words"),
    [
        ("email", "wang.fang@", "电子邮箱地址的格式为 name@example.com"),
        ("language", "fr", "请选择中文或英文"),
    ],
)
def test_a_wrong_email_or_language_is_explained_in_the_screens_language(
    screens, courier, ctx, field, value, zh_words
):
    screens.client.get("/courier/login?lang=zh")
    screens.login(courier.id)
    response = deposit(screens, **{field: value})
    assert response.status_code == 400 and zh_words in text(response)
    assert ctx.store.parcel_by_tracking("SF0000000001") is None
    assert f'value="{value}"' not in text(response)  # an address is typed again, as a phone is


def test_the_keys_type_an_email_address(screens, courier):
    screens.login(courier.id)
    form = text(screens.client.get("/courier/deposit"))
    assert 'data-key="@"' in form and 'data-key="."' in form
    # Typed in small letters whatever case the keys show.
    assert re.search(r'<input id="email" name="email" class="keyed" data-case="lower"', form)


CONFIRMATIONS = [
    (["sms"], "", "Deposited. The recipient will get an SMS with the pickup code."),
    (["email"], EMAIL, "Deposited. The recipient will get an e-mail with the pickup code."),
    (
        ["sms", "email"],
        EMAIL,
        "Deposited. The recipient will get an SMS and an e-mail with the pickup code.",
    ),
    # Configured, but the recipient gave no address for it: only the SMS goes.
    (["sms", "email"], "", "Deposited. The recipient will get an SMS with the pickup code."),
    (["demo"], "", "Deposited. The recipient will get a message on the demo phone."),
]


@pytest.mark.parametrize(("channels", "email", "promise"), CONFIRMATIONS)
def test_the_confirmation_names_only_the_channels_that_reach_the_recipient(
    ctx, db_path, board, clock, courier, channels, email, promise
):
    screens = screens_for(ctx, db_path, board, clock, channels)
    screens.login(courier.id)
    page = text(deposit(screens, email=email))
    assert done_text(page) == promise
    assert 'id="pickup-code"' not in page and 'id="pickup-qr"' not in page
    assert "queued for the recipient" not in page


NO_CHANNEL = [
    (
        "en",
        "Deposited. No message can be sent from this locker: "
        "give the recipient the pickup code another way.",
        "Storage is free until 14 Nov 17:00.",
    ),
    (
        "zh",
        "投递完成。本快递柜无法发送消息：请通过其他方式将取件码告知收件人。",
        "11月14日17:00 前免费保管。",
    ),
]


@pytest.mark.parametrize(("lang", "truth", "deadline"), NO_CHANNEL)
def test_with_no_channel_the_courier_is_shown_the_code_to_pass_on(
    ctx, db_path, board, clock, courier, lang, truth, deadline
):
    # An e-mail was typed, but this locker has no channel at all.
    screens = screens_for(ctx, db_path, board, clock, [])
    screens.client.get(f"/courier/login?lang={lang}")
    screens.login(courier.id)
    response = deposit(screens, email=EMAIL)
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    assert done_text(page) == truth
    parcel = ctx.store.parcel_by_tracking("SF0000000001")
    assert ctx.store.parcel_messages(parcel.id) == []
    code = re.search(r'id="pickup-code">(\d+)<', page)[1]
    assert read_qr(page) == qr_payload.encode(
        ctx.store.locker().secret, ctx.store.locker().locker_id, parcel.id, parcel.code_serial
    )
    # Deposited 09:00 UTC on the 11th, 72 hours: 17:00 on the 14th in the locker's time zone.
    assert deadline in page
    assert code not in text(screens.client.get("/courier/"))  # shown on that page only
    courier.close(parcel.compartment, item_present=True)
    assert collect_by_code(ctx, code).parcel.tracking == "SF0000000001"  # the code works
