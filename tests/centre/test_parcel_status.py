"""A carrier's parcel as the centre tells it: the pre-advice and the lockers' own records, the door
and the times, never a code or a whole phone; and the records that move a pre-advice."""

from __future__ import annotations

from locker.centre.carrier_orders import RECORD_SKEW_S
from tests.centre.order_fakes import NOW, done
from tests.centre.orders_setup import CARRIER, OFFLINE, ONLINE, PHONE, TRACKING, Desk

MASKED = "138****5678"


def test_the_history_comes_from_the_lockers_records_in_order(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    carried = {"carrier": CARRIER}
    desk.record(ONLINE, "parcel.expected", carried, NOW + 1)
    desk.record(
        ONLINE,
        "parcel.deposited",
        {**carried, "compartment": "B02", "phone": MASKED, "code": "908172"},
        NOW + 600,
    )
    desk.record(ONLINE, "parcel.shut_in", {**carried, "compartment": "B02"}, NOW + 605)
    desk.record(ONLINE, "parcel.reminded", {**carried, "compartment": "B02"}, NOW + 86400)
    desk.record(ONLINE, "staff.login", {}, NOW + 86401)
    desk.record(ONLINE, "parcel.collected", {**carried, "compartment": "B02"}, NOW + 90000)
    status = desk.orders.parcel_status(CARRIER, TRACKING)
    assert (status["state"], status["locker"], status["door"]) == ("collected", ONLINE, "B02")
    assert [entry["event"] for entry in status["history"]] == [
        "expected",
        "deposited",
        "shut_in",
        "reminded",
        "collected",
    ]
    assert status["history"][1] == {
        "event": "deposited",
        "at": "2026-09-21T14:23:20+00:00",
        "locker": ONLINE,
        "door": "B02",
    }
    assert status["times"]["collected"] == "2026-09-22T15:13:20+00:00"
    assert status["preadvice"]["state"] == "deposited"
    shown = repr(status)
    assert PHONE not in shown and MASKED not in shown and "908172" not in shown


def test_a_parcel_known_only_from_the_records_has_a_status(desk: Desk) -> None:
    desk.record(OFFLINE, "parcel.no_space", {"carrier": CARRIER, "size": "L"})
    desk.record(OFFLINE, "parcel.shut_in", {"carrier": CARRIER, "compartment": "C03"})
    status = desk.orders.parcel_status(CARRIER, TRACKING)
    assert (status["state"], status["locker"], status["preadvice"]) == ("deposited", OFFLINE, None)
    assert [e["event"] for e in status["history"]] == ["no_space", "shut_in"]


def test_a_parcel_known_only_from_a_full_locker_says_so(desk: Desk) -> None:
    desk.record(OFFLINE, "parcel.no_space", {"carrier": CARRIER, "size": "L"})
    status = desk.orders.parcel_status(CARRIER, TRACKING)
    assert (status["state"], status["locker"], status["door"]) == ("no_space", OFFLINE, None)


def test_the_lockers_record_confirms_a_preadvice_whose_answer_was_lost(desk: Desk) -> None:
    desk.preadvise()
    desk.record(ONLINE, "parcel.expected", {"carrier": CARRIER})
    assert desk.preadvice_row().state == "confirmed"


def test_a_deposit_at_another_locker_withdraws_the_first_preadvice_by_itself(
    desk: Desk,
) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    desk.record(OFFLINE, "parcel.shut_in", {"carrier": CARRIER, "compartment": "A01"})
    withdrawal = desk.sender.sent[1]
    assert (withdrawal.locker_id, withdrawal.action) == (ONLINE, "withdraw_preadvice")
    desk.orders.result(ONLINE, done(withdrawal))
    status = desk.orders.parcel_status(CARRIER, TRACKING)
    assert (status["state"], status["locker"], status["door"]) == ("deposited", OFFLINE, "A01")
    assert status["preadvice"]["state"] == "withdrawn"
    assert status["preadvice"]["code"] == "preadvice.deposited_elsewhere"


def test_a_deposit_at_the_preadvised_locker_makes_the_preadvice_deposited(desk: Desk) -> None:
    desk.preadvise()
    desk.record(ONLINE, "parcel.deposited", {"carrier": CARRIER, "compartment": "A01"})
    assert desk.preadvice_row().state == "deposited"
    assert desk.sender.actions() == ["preadvise"]


def test_the_locker_letting_a_preadvice_go_ends_it(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    desk.record(ONLINE, "parcel.cancelled", {"carrier": CARRIER}, NOW + 3 * 86400)
    assert desk.preadvice_row().state == "withdrawn"


def test_a_record_from_an_earlier_life_of_the_number_moves_nothing(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    desk.record(ONLINE, "parcel.withdrawn", {"carrier": CARRIER}, NOW - RECORD_SKEW_S - 1)
    assert desk.preadvice_row().state == "confirmed"


def test_another_carriers_records_move_nothing(desk: Desk) -> None:
    desk.preadvise()
    desk.record(OFFLINE, "parcel.shut_in", {"carrier": "other", "compartment": "A01"})
    assert desk.preadvice_row().state == "pending"
    assert desk.orders.parcel_status(CARRIER, TRACKING)["history"] == []
