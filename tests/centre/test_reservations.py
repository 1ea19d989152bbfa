"""A carrier's hold on a locker's doors: pending until the locker holds them, refused with the
locker's reason, cancelled through the locker, ended by its time, and seen by its carrier only."""

from __future__ import annotations

import pytest

from locker.centre.carrier_orders import OrderError
from locker.centre.order_book import REASON_OFFLINE, REASON_WAITING
from tests.centre.order_fakes import NOW, done, refused
from tests.centre.orders_setup import CARRIER, OFFLINE, ONLINE, Desk


def test_a_reservation_is_pending_until_the_locker_holds_the_doors(desk: Desk) -> None:
    answer = desk.orders.reserve(CARRIER, ONLINE, "M", 3, 7200)
    assert (answer["state"], answer["reason"]) == ("pending", REASON_WAITING)
    assert answer["expires_at"] == "2026-09-21T16:13:20+00:00"
    [sent] = desk.sender.sent
    assert (sent.action, sent.args) == (
        "hold",
        {
            "hold": answer["id"],
            "carrier": CARRIER,
            "size": "M",
            "count": 3,
            "expires_at": int(NOW) + 7200,
        },
    )
    desk.orders.result(ONLINE, done(sent, hold=answer["id"]))
    assert desk.orders.reservation(CARRIER, answer["id"])["state"] == "confirmed"


def test_a_locker_without_room_refuses_with_its_reason(desk: Desk) -> None:
    answer = desk.orders.reserve(CARRIER, ONLINE, "L", 5, 600)
    desk.orders.result(ONLINE, refused(desk.sender.sent[0], "hold.no_space", "2 doors are free"))
    shown = desk.orders.reservation(CARRIER, answer["id"])
    assert (shown["state"], shown["code"], shown["detail"]) == (
        "refused",
        "hold.no_space",
        "2 doors are free",
    )
    # Nothing is held, so nothing is released.
    assert desk.orders.cancel_reservation(CARRIER, answer["id"])["state"] == "refused"
    assert desk.sender.actions() == ["hold"]


def test_cancelling_releases_the_hold_through_the_locker(desk: Desk) -> None:
    answer = desk.orders.reserve(CARRIER, ONLINE, "S", 1, 600)
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    cancelling = desk.orders.cancel_reservation(CARRIER, answer["id"])
    assert cancelling["state"] == "cancelling"
    release = desk.sender.sent[1]
    assert (release.action, release.args) == ("release_hold", {"hold": answer["id"]})
    desk.orders.result(ONLINE, done(release))
    assert desk.orders.cancel_reservation(CARRIER, answer["id"])["state"] == "cancelled"
    assert desk.sender.actions() == ["hold", "release_hold"]


def test_a_hold_for_an_offline_locker_waits_and_is_cancelled_without_it(desk: Desk) -> None:
    answer = desk.orders.reserve(CARRIER, OFFLINE, "S", 1, 600)
    assert answer["reason"] == REASON_OFFLINE
    assert desk.orders.cancel_reservation(CARRIER, answer["id"])["state"] == "cancelled"
    assert desk.sender.sent == []


def test_a_reservation_ends_with_its_time_and_is_not_sent_after(desk: Desk) -> None:
    held = desk.orders.reserve(CARRIER, ONLINE, "S", 1, 600)
    waiting = desk.orders.reserve(CARRIER, OFFLINE, "S", 1, 600)
    desk.orders.result(ONLINE, done(desk.sender.sent[0]))
    desk.clock.advance(599)
    assert desk.orders.expire() == 0
    desk.clock.advance(1)
    desk.store.note_status(OFFLINE, True, desk.clock())
    assert desk.orders.locker_online(OFFLINE) == 0
    assert desk.orders.expire() == 2
    assert desk.orders.reservation(CARRIER, held["id"])["state"] == "expired"
    assert desk.orders.reservation(CARRIER, waiting["id"])["state"] == "expired"
    assert desk.sender.actions() == ["hold"]


def test_another_carriers_reservation_is_unknown(desk: Desk) -> None:
    answer = desk.orders.reserve(CARRIER, ONLINE, "S", 1, 600)
    for call in (desk.orders.reservation, desk.orders.cancel_reservation):
        with pytest.raises(OrderError) as raised:
            call("other", answer["id"])
        assert (raised.value.code, raised.value.status) == ("reservation.unknown", 404)
    assert desk.sender.actions() == ["hold"]


@pytest.mark.parametrize("reservation_id", ["nope", "", "a/b", "x" * 65, 7, None, "\x00"])
def test_an_id_that_names_nothing_is_unknown(desk: Desk, reservation_id: object) -> None:
    with pytest.raises(OrderError) as raised:
        desk.orders.reservation(CARRIER, reservation_id)
    assert raised.value.status == 404
