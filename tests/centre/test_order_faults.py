"""A fault on the locker while it ran an order refuses that try, not the order: it goes again."""

from __future__ import annotations

from tests.centre.order_fakes import done, refused
from tests.centre.orders_setup import ONLINE, Desk


def test_a_locker_fault_leaves_the_order_pending_for_the_next_try(desk: Desk) -> None:
    desk.preadvise()
    [sent] = desk.sender.sent
    desk.orders.result(ONLINE, refused(sent, "failed", "the locker could not run it: OSError"))
    assert desk.preadvice_row().state == "pending"
    desk.orders.result(ONLINE, done(sent))
    assert desk.preadvice_row().state == "confirmed"
