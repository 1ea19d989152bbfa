"""The recipient's messages: held until the door shuts on the parcel, delivered once, retried
within bounds, and the pickup window running from the moment the recipient is told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from locker.domain.models import Size
from locker.domain.states import ParcelState
from locker.message_channel import DeliveryError
from locker.services.cancel_deposit import cancel_deposit
from locker.services.collect_parcel import collect_by_code
from locker.services.deliver_messages import deliver_next
from locker.services.deposit_parcel import deposit_parcel
from locker.services.expire_overdue import expire_overdue
from locker.services.remind_recipients import remind_recipients
from locker.services.resend_message import resend_message

PHONE = "13812345678"


def deliver_all(ctx) -> int:
    delivered = 0
    while deliver_next(ctx) is not None:
        delivered += 1
    return delivered


def statuses(ctx, parcel_id: int) -> list[tuple[str, str]]:
    return [(m.kind, m.status) for m in ctx.store.parcel_messages(parcel_id)]


def test_the_code_goes_out_only_once_the_door_shuts_on_the_parcel(ctx, courier, sms):
    receipt = deposit_parcel(ctx, courier.id, "SF0000000001", PHONE, Size.S)
    assert statuses(ctx, receipt.parcel.id) == [("deposited", "held")]
    assert deliver_all(ctx) == 0 and sms.sent == []
    courier.close(receipt.compartment, item_present=True)
    assert deliver_all(ctx) == 1
    [message] = sms.sent
    assert message.recipient == PHONE and receipt.code in message.sms.text
    assert statuses(ctx, receipt.parcel.id) == [("deposited", "sent")]
    [stored] = ctx.store.parcel_messages(receipt.parcel.id)
    assert "code" not in stored.payload and "qr" not in stored.payload
    audited = [r for r in ctx.store.audit_records() if r.action == "message.sent"]
    assert audited[-1].details["recipient"] == "138****5678"
    assert audited[-1].details["channel"] == "sms" and audited[-1].details["kind"] == "deposited"


def test_the_window_starts_when_the_recipient_is_told(ctx, courier, sms, clock):
    receipt = courier.deposit()
    clock.advance(hours=9)  # the gateway was down all morning
    deliver_all(ctx)
    parcel = ctx.store.parcel(receipt.parcel.id)
    assert parcel.notified_at == clock.now()
    assert parcel.expires_at == clock.now() + ctx.rules.pickup_window
    # The message states that deadline in the locker's time zone (UTC+8): 09:00 UTC on the 11th,
    # plus 9 h, plus 72 h, is 02:00 on the 15th in Shanghai.
    assert "11月15日02:00" in sms.sent[0].sms.text and "免费保管" in sms.sent[0].sms.text
    clock.advance(hours=71)
    assert expire_overdue(ctx) == []  # the full window, from the message


def test_an_undo_before_the_door_shut_sends_nothing(ctx, courier, sms):
    receipt = deposit_parcel(ctx, courier.id, "SF0000000001", PHONE, Size.S)
    cancel_deposit(ctx, courier.id, "SF0000000001")
    courier.close(receipt.compartment, item_present=False)
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.CANCELLED
    assert deliver_all(ctx) == 0 and sms.sent == []


def test_a_parcel_withdrawn_after_its_code_went_out_is_announced(ctx, courier, sms):
    receipt = courier.deposit()
    deliver_all(ctx)
    cancel_deposit(ctx, courier.id, receipt.parcel.tracking)
    courier.close(receipt.compartment, item_present=False)
    deliver_all(ctx)
    assert [m.kind for m in sms.sent] == ["deposited", "withdrawn"]
    assert receipt.code not in sms.sent[1].sms.text


def test_a_permanent_error_fails_at_once_and_the_window_runs_from_the_deposit(
    ctx, courier, sms, clock
):
    receipt = courier.deposit()
    deposited_at = ctx.store.parcel(receipt.parcel.id).deposited_at
    sms.failing = DeliveryError("isv.MOBILE_NUMBER_ILLEGAL", permanent=True)
    clock.advance(hours=2)
    deliver_all(ctx)
    [message] = ctx.store.parcel_messages(receipt.parcel.id)
    assert message.status == "failed" and message.attempts == 1
    assert "MOBILE_NUMBER_ILLEGAL" in message.last_error
    parcel = ctx.store.parcel(receipt.parcel.id)
    assert parcel.notified_at is None
    assert parcel.expires_at == deposited_at + ctx.rules.pickup_window


def test_a_temporary_error_is_tried_again_later_and_at_most_so_often(ctx, courier, sms, clock):
    receipt = courier.deposit()
    sms.failing = DeliveryError("gateway timeout")
    deliver_all(ctx)
    [message] = ctx.store.parcel_messages(receipt.parcel.id)
    assert message.status == "pending" and message.attempts == 1
    wait = message.next_attempt_at - clock.now()
    assert timedelta(seconds=30) * 0.75 <= wait <= timedelta(seconds=30)
    assert deliver_all(ctx) == 0  # not due yet
    for _ in range(ctx.rules.messages.max_attempts):
        clock.advance(hours=2)
        deliver_all(ctx)
    [message] = ctx.store.parcel_messages(receipt.parcel.id)
    assert message.status == "failed" and message.attempts == ctx.rules.messages.max_attempts
    sms.failing = None
    resend_message(ctx, "admin:admin", message.id)
    deliver_all(ctx)
    assert [m.kind for m in sms.sent] == ["deposited"] and receipt.code in sms.sent[0].sms.text


def test_no_more_than_the_daily_cap_of_sms_reach_one_phone(ctx, courier, sms, clock):
    """Reissue after reissue cannot flood a phone: past the cap, a message fails at once."""
    from locker.services.reissue_code import reissue_code

    receipt = courier.deposit()
    deliver_all(ctx)
    cap = ctx.rules.messages.sms_daily_cap
    for _ in range(cap):
        reissue_code(ctx, "admin:admin", receipt.parcel.tracking)
        deliver_all(ctx)
    assert len(sms.sent) == cap
    [last] = ctx.store.messages(status="failed")
    assert "daily cap" in last.last_error
    clock.advance(hours=25)  # a day later the phone may be reached again
    reissue_code(ctx, "admin:admin", receipt.parcel.tracking)
    deliver_all(ctx)
    assert len(sms.sent) == cap + 1


def test_reminders_come_after_a_day_and_before_the_deadline_once_each(ctx, courier, sms, clock):
    receipt = courier.deposit()
    deliver_all(ctx)
    assert remind_recipients(ctx) == 0
    clock.advance(hours=24)
    assert remind_recipients(ctx) == 1 and remind_recipients(ctx) == 0
    clock.advance(hours=43)  # 5 h before the deadline
    assert remind_recipients(ctx) == 1 and remind_recipients(ctx) == 0
    deliver_all(ctx)
    reminders = [m for m in sms.sent if m.kind == "reminder"]
    assert len(reminders) == 2
    assert receipt.code not in reminders[0].sms.text  # only its hash is kept
    assert "还剩约" in reminders[1].sms.text


def test_each_reminder_is_audited_for_the_carrier_to_hear_of_it(ctx, courier, sms, clock):
    receipt = courier.deposit()
    deliver_all(ctx)
    clock.advance(hours=24)
    remind_recipients(ctx)
    [record] = [r for r in ctx.store.audit_records() if r.action == "parcel.reminded"]
    assert record.subject == receipt.parcel.tracking
    assert record.details["carrier"] == receipt.parcel.carrier
    assert record.details["stage"] == "after_notice"
    assert PHONE not in str(record.details) and receipt.code not in str(record.details)


def test_no_reminder_for_a_parcel_collected_or_a_recipient_never_told(ctx, courier, sms, clock):
    told = courier.deposit("SF0000000001")
    deliver_all(ctx)
    collect_by_code(ctx, told.code)
    sms.failing = DeliveryError("down")
    courier.deposit("SF0000000002", phone="13900001111")
    deliver_all(ctx)
    clock.advance(hours=30)
    assert remind_recipients(ctx) == 0


def test_an_expired_parcel_tells_its_recipient_where_it_goes(ctx, courier, sms, clock):
    courier.deposit()
    deliver_all(ctx)
    clock.advance(hours=73)
    expire_overdue(ctx)
    deliver_all(ctx)
    assert [m.kind for m in sms.sent] == ["deposited", "expired"]
    assert "take" in sms.sent[1].sms.text or "取回" in sms.sent[1].sms.text


def test_a_locker_with_no_channel_queues_nothing_and_the_window_runs_from_the_deposit(ctx, courier):
    ctx.channels = {}
    receipt = courier.deposit()
    assert receipt.channels == ()
    assert ctx.store.parcel_messages(receipt.parcel.id) == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_message_is_in_the_recipients_language(ctx, courier, sms, language):
    receipt = deposit_parcel(ctx, courier.id, "SF0000000001", PHONE, Size.S, language=language)
    courier.close(receipt.compartment, item_present=True)
    deliver_all(ctx)
    text = sms.sent[0].sms.text
    assert ("免费保管" in text) == (language == "zh")
    assert ("Storage is free until" in text) == (language == "en")


class CarrierHooks:
    """The carriers' webhook channel: reaches the carriers it knows, keeps each event."""

    name = "webhook"

    def __init__(self, carriers: set[str]) -> None:
        self.carriers = carriers
        self.events: list = []

    def reaches(self, recipient: str) -> bool:
        return recipient in self.carriers

    def send(self, message) -> str:
        self.events.append(message.event)
        return message.event.event_id


def test_the_carrier_hears_of_its_parcel_shut_in_collected_and_nothing_twice(ctx, courier, sms):
    hooks = CarrierHooks({"SF Express"})
    ctx.channels = {**ctx.channels, "webhook": hooks}
    receipt = courier.deposit()
    courier.close(receipt.compartment, item_present=True)  # shut again: no second event
    collect_by_code(ctx, receipt.code)
    deliver_all(ctx)
    assert [e.body["type"] for e in hooks.events] == ["parcel.deposited", "parcel.collected"]
    locker_id = ctx.store.locker().locker_id
    seqs = {r.action: r.seq for r in ctx.store.audit_records()}
    assert hooks.events[0].event_id == f"{locker_id}:{seqs['parcel.shut_in']}"
    assert hooks.events[1].event_id == f"{locker_id}:{seqs['parcel.collected']}"
    body = hooks.events[1].body
    assert body["tracking"] == receipt.parcel.tracking and body["carrier"] == "SF Express"
    assert body["door"] == receipt.compartment and body["state"] == "collected"
    assert body["at"].endswith("+08:00")  # the locker's time zone


def test_a_carrier_without_a_webhook_is_sent_nothing_and_expiry_tells_the_one_with(
    ctx, courier, sms, clock
):
    hooks = CarrierHooks({"JD Logistics"})
    ctx.channels = {**ctx.channels, "webhook": hooks}
    courier.deposit()  # an SF Express parcel
    clock.advance(hours=73)
    expire_overdue(ctx)
    deliver_all(ctx)
    assert hooks.events == []


def test_start_up_releases_the_message_of_a_parcel_shut_in_while_the_locker_was_down(
    ctx, courier, sms
):
    from locker.services.reconcile import reconcile

    receipt = deposit_parcel(ctx, courier.id, "SF0000000001", PHONE, Size.S)
    with ctx.store.transaction():  # the door shut, recorded by a start-up that settled it
        from locker.domain.states import CompartmentState
        from locker.services.door_commands import move_compartment

        move_compartment(ctx, receipt.compartment, CompartmentState.OCCUPIED)
    assert statuses(ctx, receipt.parcel.id) == [("deposited", "held")]
    reconcile(ctx)
    assert statuses(ctx, receipt.parcel.id) == [("deposited", "pending")]


def test_every_record_of_a_parcels_life_names_its_carrier(ctx, courier, sms, clock):
    first = courier.deposit("SF0000000001")
    cancel_deposit(ctx, courier.id, first.parcel.tracking)
    courier.close(first.compartment, item_present=True)  # still inside: the undo is refused
    cancel_deposit(ctx, courier.id, first.parcel.tracking)
    courier.close(first.compartment, item_present=False)
    second = courier.deposit("SF0000000002")
    collect_by_code(ctx, second.code)
    courier.deposit("SF0000000003")
    clock.advance(hours=73)
    expire_overdue(ctx)
    about_parcels = [
        r for r in ctx.store.audit_records() if r.action.startswith(("parcel.", "code."))
    ]
    assert {r.action for r in about_parcels} >= {
        "parcel.deposited",
        "parcel.shut_in",
        "parcel.undo_requested",
        "parcel.undo_refused",
        "parcel.cancelled",
        "parcel.collected",
        "parcel.expired",
    }
    assert all(r.details.get("carrier") == "SF Express" for r in about_parcels)
