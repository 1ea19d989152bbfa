"""A carrier's pre-advice at the centre: pending until its locker answers, sent once per change,
sent again with a new nonce while unanswered, and never shown with the whole phone."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from locker.centre.carrier_orders import OrderError
from locker.centre.order_book import REASON_OFFLINE, REASON_UNSENT, REASON_WAITING
from locker.centre.order_checks import TRACKING_PATTERN
from locker.services.deposit_parcel import TRACKING_PATTERN as LOCKERS_TRACKING_PATTERN
from tests.centre.order_fakes import NOW, done, refused
from tests.centre.orders_setup import CARRIER, OFFLINE, ONLINE, PHONE, TRACKING, Desk


def test_a_preadvice_is_pending_until_the_locker_confirms_it(desk: Desk) -> None:
    answer = desk.preadvise()
    assert (answer["state"], answer["reason"]) == ("pending", REASON_WAITING)
    assert answer["phone"] == "*******5678"
    assert PHONE not in repr(answer)
    [sent] = desk.sender.sent
    assert (sent.locker_id, sent.action) == (ONLINE, "preadvise")
    assert sent.args == {
        "carrier": CARRIER,
        "tracking": TRACKING,
        "phone": PHONE,
        "size": "M",
        "low_door": False,
        "language": "en",
        "expected_at": int(NOW) + 3600,
    }
    assert desk.orders.result(ONLINE, done(sent, tracking=TRACKING, state="expected"))
    status = desk.orders.parcel_status(CARRIER, TRACKING)
    assert (status["state"], status["preadvice"]["state"]) == ("expected", "confirmed")
    assert "reason" not in status["preadvice"]


def test_no_language_means_no_language_argument(desk: Desk) -> None:
    desk.preadvise(language=None)
    assert "language" not in desk.sender.sent[0].args


def test_an_offline_locker_gets_its_preadvice_when_it_comes_online(desk: Desk) -> None:
    answer = desk.preadvise(locker_id=OFFLINE)
    assert (answer["state"], answer["reason"]) == ("pending", REASON_OFFLINE)
    assert desk.sender.sent == []
    desk.store.note_status(OFFLINE, True, NOW + 5)
    assert desk.orders.locker_online(OFFLINE) == 1
    [sent] = desk.sender.sent
    assert sent.locker_id == OFFLINE
    desk.orders.result(OFFLINE, done(sent))
    assert desk.orders.parcel_status(CARRIER, TRACKING)["preadvice"]["state"] == "confirmed"


def test_with_the_broker_down_the_order_waits_and_says_so(desk: Desk) -> None:
    desk.sender.up = False
    answer = desk.preadvise()
    assert (answer["state"], answer["reason"]) == ("pending", REASON_UNSENT)
    desk.sender.up = True
    desk.clock.advance(60)
    assert desk.orders.resend_due() == 1
    assert desk.orders.parcel_status(CARRIER, TRACKING)["reason"] == REASON_WAITING


def test_an_answer_before_the_publication_returns_finds_its_order(desk: Desk) -> None:
    desk.sender.answer = lambda sent: desk.orders.result(ONLINE, done(sent)) and None
    desk.preadvise()
    assert desk.preadvice_row().state == "confirmed"


def test_three_identical_preadvices_at_once_make_one_row_and_one_send(desk: Desk) -> None:
    start = threading.Barrier(3)
    answers: list[dict[str, Any]] = []

    def announce() -> None:
        start.wait()
        answers.append(desk.preadvise())

    threads = [threading.Thread(target=announce) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 3
    assert {a["created_at"] for a in answers} == {answers[0]["created_at"]}
    assert desk.rows() == 1
    assert desk.sender.signed == 1
    assert desk.sender.actions() == ["preadvise"]


def test_the_same_preadvice_again_answers_the_first_and_sends_nothing(desk: Desk) -> None:
    first = desk.preadvise()
    again = desk.preadvise()
    assert again == first
    assert desk.sender.actions() == ["preadvise"]


def test_another_preadvice_of_a_live_parcel_is_a_conflict(desk: Desk) -> None:
    desk.preadvise()
    with pytest.raises(OrderError) as raised:
        desk.preadvise(phone="13900001111")
    assert (raised.value.code, raised.value.status) == ("preadvice.exists", 409)
    assert raised.value.extra["state"] == "pending"
    assert desk.rows() == 1


def test_another_carrier_may_use_the_same_tracking_number(desk: Desk) -> None:
    desk.preadvise()
    desk.preadvise(carrier="other")
    assert desk.rows() == 2
    with pytest.raises(OrderError) as raised:
        desk.orders.parcel_status("nobody", TRACKING)
    assert (raised.value.code, raised.value.status) == ("parcel.unknown", 404)


def test_an_unknown_locker_is_404_and_stores_nothing(desk: Desk) -> None:
    with pytest.raises(OrderError) as raised:
        desk.preadvise(locker_id="L-NOWHERE")
    assert (raised.value.code, raised.value.status) == ("locker.unknown", 404)
    assert desk.rows() == 0


def test_a_refusal_keeps_the_lockers_code_and_a_new_preadvice_is_409(desk: Desk) -> None:
    desk.preadvise()
    [sent] = desk.sender.sent
    desk.orders.result(
        ONLINE, refused(sent, "preadvice.already_deposited", "the parcel is deposited here")
    )
    status = desk.orders.parcel_status(CARRIER, TRACKING)
    assert status["state"] == "refused"
    assert status["code"] == "preadvice.already_deposited"
    assert status["detail"] == "the parcel is deposited here"
    with pytest.raises(OrderError) as raised:
        desk.preadvise()
    assert (raised.value.code, raised.value.status) == ("parcel.already_deposited", 409)
    assert raised.value.extra["state"] == "deposited"


def test_a_refusal_detail_never_carries_a_whole_phone(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, refused(desk.sender.sent[0], "remote.arguments", f"bad {PHONE}"))
    assert PHONE not in desk.orders.parcel_status(CARRIER, TRACKING)["detail"]


def test_a_parcel_the_records_show_deposited_is_409_with_its_state(desk: Desk) -> None:
    desk.record(OFFLINE, "parcel.shut_in", {"carrier": CARRIER, "compartment": "A01"})
    with pytest.raises(OrderError) as raised:
        desk.preadvise()
    assert (raised.value.code, raised.value.status) == ("parcel.already_deposited", 409)
    assert raised.value.extra == {"state": "deposited", "locker": OFFLINE}
    desk.record(OFFLINE, "parcel.collected", {"carrier": CARRIER, "compartment": "A01"})
    with pytest.raises(OrderError) as raised:
        desk.preadvise()
    assert raised.value.extra["state"] == "collected"
    assert desk.rows() == 0


def test_another_carriers_deposit_of_the_same_number_does_not_block(desk: Desk) -> None:
    desk.record(OFFLINE, "parcel.shut_in", {"carrier": "other", "compartment": "A01"})
    assert desk.preadvise()["state"] == "pending"


def test_withdrawing_waits_for_the_locker_then_is_final(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    answer = desk.orders.withdraw(CARRIER, TRACKING)
    assert (answer["state"], answer["reason"]) == ("withdrawing", REASON_WAITING)
    withdrawal = desk.sender.sent[1]
    assert (withdrawal.action, withdrawal.args) == (
        "withdraw_preadvice",
        {"carrier": CARRIER, "tracking": TRACKING},
    )
    desk.orders.result(ONLINE, done(withdrawal))
    assert desk.orders.withdraw(CARRIER, TRACKING)["state"] == "withdrawn"
    assert desk.sender.actions() == ["preadvise", "withdraw_preadvice"]
    # Withdrawn, the parcel may be announced again.
    assert desk.preadvise()["state"] == "pending"


def test_a_preadvice_that_never_left_is_withdrawn_at_once(desk: Desk) -> None:
    desk.preadvise(locker_id=OFFLINE)
    assert desk.orders.withdraw(CARRIER, TRACKING)["state"] == "withdrawn"
    desk.store.note_status(OFFLINE, True, NOW)
    assert desk.orders.locker_online(OFFLINE) == 0
    assert desk.sender.sent == []


def test_a_withdrawal_of_a_parcel_already_in_the_locker_makes_it_deposited(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    desk.orders.withdraw(CARRIER, TRACKING)
    desk.orders.result(
        ONLINE, refused(desk.sender.sent[1], "preadvice.already_deposited", "deposited")
    )
    assert desk.preadvice_row().state == "deposited"
    with pytest.raises(OrderError) as raised:
        desk.orders.withdraw(CARRIER, TRACKING)
    assert (raised.value.code, raised.value.status) == ("parcel.already_deposited", 409)


def test_withdrawing_an_unknown_parcel_is_404(desk: Desk) -> None:
    with pytest.raises(OrderError) as raised:
        desk.orders.withdraw(CARRIER, TRACKING)
    assert (raised.value.code, raised.value.status) == ("parcel.unknown", 404)


def test_coming_online_resends_with_a_new_nonce_and_a_late_answer_still_counts(
    desk: Desk,
) -> None:
    desk.preadvise()
    desk.store.note_status(ONLINE, True, NOW + 30)
    assert desk.orders.locker_online(ONLINE) == 1
    first, second = desk.sender.sent
    assert first.nonce != second.nonce and first.args == second.args
    desk.orders.result(ONLINE, done(first))
    assert desk.preadvice_row().state == "confirmed"
    assert desk.orders.locker_online(ONLINE) == 0


def test_unanswered_orders_go_again_after_a_minute_then_less_often(desk: Desk) -> None:
    desk.preadvise()
    desk.clock.advance(59)
    assert desk.orders.resend_due() == 0
    desk.clock.advance(1)
    assert desk.orders.resend_due() == 1
    desk.clock.advance(60)
    assert desk.orders.resend_due() == 0
    desk.clock.advance(60)
    assert desk.orders.resend_due() == 1
    assert len({s.nonce for s in desk.sender.sent}) == 3


def test_offline_lockers_are_not_sent_to_on_the_periodic_round(desk: Desk) -> None:
    desk.preadvise(locker_id=OFFLINE)
    desk.clock.advance(3600)
    assert desk.orders.resend_due() == 0


def test_a_duplicate_delivery_refused_as_replayed_does_not_refuse_the_order(desk: Desk) -> None:
    desk.preadvise()
    [sent] = desk.sender.sent
    # Two centre processes may hear the duplicate's refusal before the first one's answer.
    desk.orders.result(ONLINE, refused(sent, "replayed", "this command was received before"))
    assert desk.preadvice_row().state == "pending"
    desk.orders.result(ONLINE, done(sent))
    assert desk.preadvice_row().state == "confirmed"


def test_three_withdrawals_at_once_send_one_command(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    start = threading.Barrier(3)

    def withdraw() -> None:
        start.wait()
        desk.orders.withdraw(CARRIER, TRACKING)

    threads = [threading.Thread(target=withdraw) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert desk.sender.actions() == ["preadvise", "withdraw_preadvice"]
    assert desk.preadvice_row().state == "withdrawing"


def test_results_that_are_not_the_orders_are_left_alone(desk: Desk) -> None:
    desk.preadvise()
    [sent] = desk.sender.sent
    assert not desk.orders.result(OFFLINE, done(sent))
    assert not desk.orders.result(ONLINE, {"nonce": "f" * 32, "status": "done"})
    assert not desk.orders.result(ONLINE, {"nonce": None, "status": "done"})
    assert desk.orders.result(ONLINE, {**done(sent), "status": "accepted"})
    assert desk.preadvice_row().state == "pending"


def test_the_centre_checks_tracking_numbers_as_the_locker_does() -> None:
    assert TRACKING_PATTERN.pattern == LOCKERS_TRACKING_PATTERN.pattern


def test_phones_of_ended_preadvices_are_blanked_after_the_retention(desk: Desk) -> None:
    desk.preadvise()
    desk.orders.result(ONLINE, refused(desk.sender.sent[0], "remote.arguments", "no"))
    desk.preadvise(tracking="LIVE-0001", expected_at=int(NOW) + 7 * 86400)
    desk.clock.advance(29 * 86400)
    assert desk.orders.purge_phones() == 0
    desk.clock.advance(2 * 86400)
    assert desk.orders.purge_phones() == 1
    assert desk.orders.parcel_status(CARRIER, TRACKING)["preadvice"]["phone"] is None
    assert desk.orders.parcel_status(CARRIER, "LIVE-0001")["preadvice"]["phone"] == "*******5678"


def test_a_carrier_named_as_its_couriers_accounts_name_it_may_order(desk: Desk) -> None:
    """Carrier names are one printable line (`locker fleet carrier add "SF Express"`)."""
    answer = desk.preadvise(carrier="SF Express")
    assert answer["state"] == "pending"
    assert desk.sender.sent[0].args["carrier"] == "SF Express"
    assert desk.orders.parcel_status("SF Express", TRACKING)["tracking"] == TRACKING
    assert desk.orders.reserve("SF Express", ONLINE, "S", 1, 600)["state"] == "pending"
