"""Door events from polled status: changes between reads, and our own unlocks never missed."""

from __future__ import annotations

from locker.boards.status_poller import StatusPoller
from locker.ports import ChannelStatus, DoorEventKind

OPENED, CLOSED = DoorEventKind.OPENED, DoorEventKind.CLOSED


class Board:
    """Channel 1 of board 0, whose door the test opens and shuts between polls."""

    def __init__(self) -> None:
        self.closed = True
        self.answering = True
        self.unlocked: set[tuple[int, int]] = set()

    def status(self, board: int):
        if not self.answering:
            raise TimeoutError("no answer")
        return {1: ChannelStatus(1, self.closed, self.closed, None)}

    def take_unlocked(self):
        taken, self.unlocked = self.unlocked, set()
        return taken


def poller(board: Board, events: list) -> StatusPoller:
    return StatusPoller("main", [0], board.status, events.append, take_unlocked=board.take_unlocked)


def kinds(events):
    return [e.kind for e in events]


def test_the_first_read_is_a_baseline_and_later_changes_are_events():
    board, events = Board(), []
    p = poller(board, events)
    p.poll_once()
    assert events == []
    board.closed = False
    p.poll_once()
    board.closed = True
    p.poll_once()
    assert kinds(events) == [OPENED, CLOSED]
    assert events[0].address.channel == 1


def test_our_unlock_of_a_door_shut_again_before_the_next_poll_is_still_reported():
    board, events = Board(), []
    p = poller(board, events)
    p.poll_once()
    board.unlocked.add((0, 1))  # opened and shut again between two polls
    p.poll_once()
    assert kinds(events) == [OPENED, CLOSED]


def test_our_unlock_before_the_first_successful_read_is_not_lost():
    board, events = Board(), []
    p = poller(board, events)
    board.answering = False
    p.poll_once()
    board.answering = True
    board.unlocked.add((0, 1))
    p.poll_once()
    assert kinds(events) == [OPENED, CLOSED]


def test_a_board_that_does_not_answer_is_skipped_until_it_does():
    board, events = Board(), []
    p = poller(board, events)
    p.poll_once()
    board.answering = False
    board.closed = False
    assert p.poll_once() == []
    board.answering = True
    p.poll_once()
    assert kinds(events) == [OPENED]
