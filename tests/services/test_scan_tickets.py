"""One-time scan tickets: redeemed once, of their own kind, before they expire, never unbounded."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from locker.services.scan_tickets import COURIER, MORE, ScanTickets


@pytest.fixture
def tickets(clock) -> ScanTickets:
    return ScanTickets(clock, ttl=timedelta(seconds=60), limit=8)


def test_a_ticket_gives_its_payload_once(tickets):
    token = tickets.issue(COURIER, {"courier": 7})
    assert tickets.redeem(token, COURIER) == {"courier": 7}
    assert tickets.redeem(token, COURIER) is None
    assert len(tickets) == 0


def test_tokens_are_long_random_and_distinct(tickets):
    tokens = {tickets.issue(MORE, n) for n in range(8)}
    assert len(tokens) == 8
    assert all(len(token) >= 40 for token in tokens)


@pytest.mark.parametrize(
    ("after", "payload"), [(59, "ok"), (60, None), (61, None)], ids=["59s", "60s", "61s"]
)
def test_a_ticket_expires_with_the_clock(tickets, clock, after, payload):
    token = tickets.issue(MORE, "ok")
    clock.advance(seconds=after)
    assert tickets.redeem(token, MORE) == payload


def test_an_expired_ticket_is_dropped_from_the_store(tickets, clock):
    tickets.issue(MORE, "old")
    clock.advance(seconds=61)
    fresh = tickets.issue(MORE, "new")
    assert len(tickets) == 1
    assert tickets.redeem(fresh, MORE) == "new"


def test_a_ticket_redeemed_as_another_kind_gives_nothing_and_stays(tickets):
    token = tickets.issue(MORE, {"first": 1, "ids": [2]})
    assert tickets.redeem(token, COURIER) is None
    assert tickets.redeem(token, MORE) == {"first": 1, "ids": [2]}


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 43])
def test_an_unknown_ticket_gives_nothing(tickets, token):
    tickets.issue(COURIER, "real")
    assert tickets.redeem(token, COURIER) is None
    assert len(tickets) == 1


def test_the_store_is_bounded_and_drops_its_oldest_tickets(tickets):
    tokens = [tickets.issue(MORE, n) for n in range(20)]
    assert len(tickets) == 8
    assert tickets.redeem(tokens[0], MORE) is None
    assert tickets.redeem(tokens[11], MORE) is None
    assert [tickets.redeem(t, MORE) for t in tokens[12:]] == list(range(12, 20))


def test_a_clock_set_back_does_not_keep_a_later_ticket_alive(tickets, clock):
    first = tickets.issue(MORE, "first")  # expires at T+60
    clock.advance(seconds=-30)
    second = tickets.issue(MORE, "second")  # issued later, but expires at T+30
    clock.advance(seconds=75)  # T+45
    assert tickets.redeem(second, MORE) is None
    assert tickets.redeem(first, MORE) == "first"


def test_many_pages_racing_for_one_ticket_get_it_once(clock):
    tickets = ScanTickets(clock)
    token = tickets.issue(COURIER, "the courier")
    start = threading.Barrier(16)
    won: list[object] = []

    def claim() -> None:
        start.wait()
        payload = tickets.redeem(token, COURIER)
        if payload is not None:
            won.append(payload)

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert won == ["the courier"]


def test_a_store_must_hold_at_least_one_ticket(clock):
    with pytest.raises(ValueError, match="at least one"):
        ScanTickets(clock, limit=0)
