"""Door events for boards that do not send them: poll each board's status and report changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping

from locker.domain.models import Address
from locker.ports import ChannelStatus, DoorEvent, DoorEventKind

log = logging.getLogger(__name__)

StatusReader = Callable[[int], Mapping[int, ChannelStatus]]


class StatusPoller:
    """Polls the boards of one bus; a door that unlatches is opened, one that latches is closed."""

    def __init__(
        self,
        bus: str,
        boards: Collection[int],
        read_status: StatusReader,
        on_event: Callable[[DoorEvent], None],
        interval_s: float = 0.5,
        take_unlocked: Callable[[], set[tuple[int, int]]] = set,
        expected_closed: Mapping[tuple[int, int], bool] | None = None,
    ) -> None:
        self.bus = bus
        self.boards = sorted(boards)
        self._read_status = read_status
        self._on_event = on_event
        self.interval_s = interval_s
        # Channels our own commands unlocked since the last poll: a door opened and shut again
        # between two polls would otherwise go unseen.
        self._take_unlocked = take_unlocked
        # What the records say each door is doing (closed or not), as if it were the last
        # read: the first read then reports every door that changed while nobody watched.
        self._last: dict[int, Mapping[int, ChannelStatus]] = {}
        for (board, channel), closed in (expected_closed or {}).items():
            known = dict(self._last.get(board, {}))
            known[channel] = ChannelStatus(channel, closed, closed)
            self._last[board] = known
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> list[DoorEvent]:
        """Read every board once and report what changed since the last read."""
        events = []
        unlocked = self._take_unlocked()
        for board in self.boards:
            try:
                now = self._read_status(board)
            except Exception as error:  # a board that does not answer now may answer later
                log.debug("status of %s board %d: %s", self.bus, board, error)
                continue
            before = self._last.get(board) or {}
            self._last[board] = now
            for channel, status in now.items():
                old = before.get(channel)
                # Without an earlier read or an expectation (the first read is then the
                # baseline) only our own unlocks count as changes.
                was_closed = None if old is None else old.door_closed
                address = Address(self.bus, board, channel)
                if (board, channel) in unlocked and was_closed is not False:
                    events.append(DoorEvent(address, DoorEventKind.OPENED, status.item_present))
                    was_closed = False
                if was_closed is None or was_closed == status.door_closed:
                    continue
                kind = DoorEventKind.CLOSED if status.door_closed else DoorEventKind.OPENED
                events.append(DoorEvent(address, kind, status.item_present))
        for event in events:
            self._on_event(event)
        return events

    def resync(self) -> None:
        """Poll now (after a reconnect) instead of at the next tick."""
        self._wake.set()

    def start(self) -> StatusPoller:
        """Poll on a thread of its own until stopped."""
        self._thread = threading.Thread(target=self._run, name=f"poll {self.bus}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._wake.wait(self.interval_s)
            self._wake.clear()
