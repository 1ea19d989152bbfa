"""The admin's Messages page and the dashboard's message count, through the real app."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from locker.config import Settings
from locker.domain.models import Size
from locker.message_channel import DeliveryError
from locker.services.deliver_messages import deliver_next
from locker.services.deposit_parcel import deposit_parcel
from locker.web import create_app
from tests.support.channels import RecordingChannel
from tests.web.test_admin_area import AdminActions, text

PHONE = "13812345678"
MASKED = "138****5678"
EMAIL = "wang.fang@example.com"


@pytest.fixture
def email() -> RecordingChannel:
    return RecordingChannel("email")


@pytest.fixture
def webhook() -> RecordingChannel:
    """The carrier's webhook: it reaches the carrier by name."""
    return RecordingChannel("webhook")


@pytest.fixture
def channels(ctx, sms, email, webhook):
    """The locker reaches recipients by SMS and e-mail, and the carrier by its webhook."""
    ctx.channels = {"sms": sms, "email": email, "webhook": webhook}
    return ctx.channels


@pytest.fixture
def admin(ctx, db_path, board, clock, channels) -> AdminActions:
    settings = Settings(db=db_path, language="en")
    app = create_app(settings, board=board, clock=clock, channels=channels)
    actions = AdminActions(app.test_client())
    actions.login()
    return actions


def deposit(ctx, courier, tracking: str, email: str = "") -> int:
    """A deposit whose door shut on the parcel: its messages are due."""
    receipt = deposit_parcel(ctx, courier.id, tracking, PHONE, Size.S, email=email)
    courier.close(receipt.compartment, item_present=True)
    return receipt.parcel.id


def deliver_all(ctx) -> None:
    while deliver_next(ctx) is not None:
        pass


def rows(page: str) -> dict[int, str]:
    """The Messages table's rows, by message number."""
    return {int(m[1]): m[0] for m in re.finditer(r'<tr data-id="(\d+)".*?</tr>', page, re.S)}


def test_the_page_shows_each_message_without_a_code_or_a_phone_in_clear(
    admin, ctx, courier, sms, email
):
    sms.failing = DeliveryError(f"the gateway refused {PHONE}: not a mobile number", True)
    email.failing = DeliveryError(f"550 <{EMAIL}>: no such mailbox", True)
    parcel_id = deposit(ctx, courier, "SF0000000001", email=EMAIL)
    deliver_all(ctx)
    held = deposit_parcel(ctx, courier.id, "SF0000000002", PHONE, Size.S)  # door still open
    page = admin.page("/admin/messages")
    shown = rows(page)
    by_channel = {m.channel: m for m in ctx.store.parcel_messages(parcel_id)}
    failed_sms = shown[by_channel["sms"].id]
    assert 'data-status="failed"' in failed_sms and MASKED in failed_sms
    assert "not a mobile number" in failed_sms  # the provider's error, its phone masked
    assert "SF0000000001" in failed_sms and 'data-tries="1"' in failed_sms  # one try
    failed_email = shown[by_channel["email"].id]
    assert "w***@example.com" in failed_email and "no such mailbox" in failed_email
    carrier_event = shown[by_channel["webhook"].id]
    assert "SF Express" in carrier_event and 'data-status="sent"' in carrier_event
    assert "2026-11-11 17:00:00" in carrier_event  # created 09:00 UTC, shown in Shanghai time
    assert PHONE not in page and EMAIL not in page
    assert held.code not in page and held.qr not in page  # still in the held message's payload
    assert page.count('class="resend"') == 2  # only the failed ones


def test_the_page_is_narrowed_to_one_status(admin, ctx, courier, sms):
    deposit(ctx, courier, "SF0000000001")
    deliver_all(ctx)
    sms.failing = DeliveryError("rejected template", permanent=True)
    deposit(ctx, courier, "SF0000000002")
    deliver_all(ctx)
    failed = admin.page("/admin/messages?status=failed")
    statuses = set(re.findall(r'<tr data-id="\d+" data-status="(\w+)"', failed))
    assert statuses == {"failed"}
    everything = admin.page("/admin/messages?status=nonsense")  # unknown: every message
    assert {"failed", "sent"} <= set(re.findall(r'data-status="(\w+)" data-channel', everything))


def test_resend_puts_a_failed_message_back_in_the_queue(admin, ctx, courier, sms):
    sms.failing = DeliveryError("gateway down", permanent=True)
    parcel_id = deposit(ctx, courier, "SF0000000001")
    deliver_all(ctx)
    [message] = [m for m in ctx.store.parcel_messages(parcel_id) if m.channel == "sms"]
    response = admin.post("/admin/messages/resend", outbox_id=str(message.id), status="failed")
    assert response.status_code == 303
    assert response.location.endswith("/admin/messages?status=failed")
    again = ctx.store.outbox_message(message.id)
    assert again.status == "pending" and again.attempts == 0
    resent = [r for r in ctx.store.audit_records() if r.action == "message.resend"]
    assert resent[-1].actor == "admin:admin"
    assert "is queued to be sent again" in text(admin.client.get(response.location))
    sms.failing = None
    deliver_all(ctx)
    assert ctx.store.outbox_message(message.id).status == "sent" and len(sms.sent) == 1


def test_a_resend_refused_is_said_in_the_screens_language(admin, ctx, courier):
    parcel_id = deposit(ctx, courier, "SF0000000001")
    deliver_all(ctx)
    [message] = [m for m in ctx.store.parcel_messages(parcel_id) if m.channel == "sms"]
    admin.client.get("/admin/messages?lang=zh")
    response = admin.post("/admin/messages/resend", outbox_id=str(message.id))
    assert f"消息 {message.id} 并未发送失败" in text(admin.client.get(response.location))
    assert ctx.store.outbox_message(message.id).status == "sent"
    response = admin.post("/admin/messages/resend", outbox_id="99999")
    assert "没有编号为 99999 的消息" in text(admin.client.get(response.location))


def test_the_messages_page_is_in_the_admin_nav(admin):
    assert 'href="/admin/messages"' in admin.page("/admin/")


def count(page: str, name: str) -> str:
    found = re.search(rf'data-count="{name}">(.*?)</td>', page, re.S)
    assert found, f"no {name} count on the dashboard"
    return re.sub(r"<[^>]+>", "", found[1]).strip()


def test_the_dashboard_counts_queued_failed_and_delivered_since_local_midnight(
    admin, ctx, courier, sms, clock
):
    ctx.channels = {"sms": sms}  # the recipient's messages only
    clock.current = datetime(2026, 11, 11, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    deposit(ctx, courier, "SF0000000001")
    deliver_all(ctx)
    clock.current = datetime(2026, 11, 11, 16, 1, tzinfo=UTC)  # 00:01 on the 12th in Shanghai
    deposit(ctx, courier, "SF0000000002")
    deliver_all(ctx)
    sms.failing = DeliveryError(f"{PHONE} is on the gateway's block list", permanent=True)
    deposit(ctx, courier, "SF0000000003")
    deliver_all(ctx)
    deposit(ctx, courier, "SF0000000004")  # shut: pending
    deposit_parcel(ctx, courier.id, "SF0000000005", PHONE, Size.S)  # open: held
    clock.current = datetime(2026, 11, 11, 17, 0, tzinfo=UTC)
    admin.login()  # hours went by
    page = admin.page("/admin/")
    assert count(page, "queued") == "2"
    assert count(page, "sent") == "1"  # the one at 23:59 was yesterday, at the locker
    assert "1 failed" in count(page, "failed")
    assert 'href="/admin/messages?status=failed"' in page
    failures = re.search(r'<ul id="failures">(.*?)</ul>', page, re.S)[1]
    assert "block list" in failures and MASKED in failures and PHONE not in page
