"""The staff's queries and the alarm acknowledgement: parcel search, doors left open, alarms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from locker.domain.errors import InvalidInputError
from locker.domain.models import Size
from locker.services.alarms import acknowledge_alarm, alarm, open_alarms
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import NotAllowedError, NotFoundError, ServiceRefusal
from locker.services.open_doors import doors_left_open
from locker.services.parcel_search import find_parcels, search_terms

REMINDER = timedelta(seconds=60)


@pytest.mark.parametrize(
    ("typed", "tracking", "part", "phone_end", "door"),
    [
        ("SF0000000001", "SF0000000001", True, None, None),
        (" sf-0001 ", "SF-0001", True, None, "SF-0001"),
        ("5678", "5678", False, "5678", "5678"),
        ("a01", None, False, None, "A01"),
        ("SF00", "SF00", False, None, "SF00"),
    ],
)
def test_a_search_is_read_as_every_thing_it_can_stand_for(typed, tracking, part, phone_end, door):
    terms = search_terms(typed)
    assert (terms.tracking, terms.tracking_part, terms.phone_end, terms.door) == (
        tracking,
        part,
        phone_end,
        door,
    )


@pytest.mark.parametrize("typed", ["", "   ", "%", "SF_01", "x" * 41, "１２３４", "A01\x00"])
def test_a_search_that_can_name_nothing_is_refused(typed):
    with pytest.raises(InvalidInputError) as refused:
        search_terms(typed)
    assert refused.value.code is ServiceRefusal.SEARCH_FORMAT


def test_found_parcels_carry_masked_phones_only(ctx, courier):
    courier.deposit("SF0001", phone="13812345678")
    [found] = find_parcels(ctx, "5678")
    assert (found.tracking, found.masked_phone, found.waiting, found.inside) == (
        "SF0001",
        "138****5678",
        True,
        True,
    )
    assert not hasattr(found, "recipient_phone")


def test_doors_left_open_longer_than_the_reminder(ctx, courier, clock):
    shut = courier.deposit("SF0001")
    receipt = deposit_parcel(ctx, courier.id, "SF0002", "13812345678", Size.S)  # left unlocked
    ctx.store.record_door_opened(shut.compartment, clock.now())
    clock.advance(seconds=60)
    assert doors_left_open(ctx, REMINDER) == []
    clock.advance(seconds=1)
    left = doors_left_open(ctx, REMINDER)
    assert [(d.label, d.state.value) for d in left] == [
        (shut.compartment, "occupied"),
        (receipt.compartment, "open"),
    ]
    ctx.store.record_door_closed(shut.compartment, clock.now())
    courier.close(receipt.compartment, item_present=True)
    assert doors_left_open(ctx, REMINDER) == []


def test_an_alarm_is_acknowledged_once_with_a_note(ctx, clock):
    first = ctx.store.append_audit(
        "system", "alert.door_left_open", "A01", {"minutes": 5}, clock.now()
    )
    ctx.store.append_audit("system", "keypad.lockout", "keypad", {"lockout": 1}, clock.now())
    assert [a.action for a in open_alarms(ctx, 10)] == ["keypad.lockout", "alert.door_left_open"]
    with pytest.raises(InvalidInputError) as refused:
        acknowledge_alarm(ctx, "admin", first.seq, " ")
    assert refused.value.code is ServiceRefusal.ALARM_NOTE_REQUIRED
    with pytest.raises(InvalidInputError) as refused:
        acknowledge_alarm(ctx, "admin", first.seq, "shut\r\nforged line")
    assert refused.value.code is ServiceRefusal.ALARM_NOTE_FORMAT
    acknowledge_alarm(ctx, "admin", first.seq, " shut it myself ")
    record = list(ctx.store.audit_records())[-1]
    assert (record.action, record.subject, record.details) == (
        "alarm.acknowledged",
        str(first.seq),
        {"note": "shut it myself", "admin": "admin"},
    )
    assert [a.action for a in open_alarms(ctx, 10)] == ["keypad.lockout"]
    with pytest.raises(NotAllowedError) as refused:
        acknowledge_alarm(ctx, "other", first.seq, "me too")
    assert refused.value.values["admin"] == "admin"
    with pytest.raises(NotFoundError):
        alarm(ctx, record.seq)  # an acknowledgement is no alarm
