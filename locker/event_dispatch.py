"""The one dispatcher: board and scanner events go onto one queue, consumed here.

Producers (bus owner threads, pollers) only post events; this thread is the one that turns
them into use-case calls, with its own store connection.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import timedelta

from locker.domain.door_watch import DoorWatch
from locker.domain.states import CompartmentState
from locker.ports import DoorEvent
from locker.scanner.scan_events import ScanEvent
from locker.services.context import LockerContext
from locker.services.door_events import DoorNotice, handle_door_event, notices_for_open_doors
from locker.services.scan_pickup import ScanOutcome, pickup_by_scan
from locker.services.scan_tickets import ScanTickets

log = logging.getLogger(__name__)
TICK_S = 1.0
_STOP, _TICK = object(), object()


class EventDispatcher:
    """Consumes door events in order, and checks for doors left open once a second."""

    def __init__(
        self,
        make_context: Callable[[], LockerContext],
        on_notice: Callable[[DoorNotice], None] = lambda notice: None,
        on_scan: Callable[[ScanEvent, ScanOutcome], None] = lambda event, outcome: None,
        reminder_after: timedelta = timedelta(seconds=60),
        alert_after: timedelta = timedelta(minutes=5),
        tickets: ScanTickets | None = None,
    ) -> None:
        self._make_context = make_context
        # Shared with the web app, which redeems what the scans hand over to the pages.
        self.tickets = tickets if tickets is not None else ScanTickets()
        self._on_notice = on_notice
        self._on_scan = on_scan
        self.watch = DoorWatch(reminder_after, alert_after)
        self.events: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.handled = 0

    def post(self, event: DoorEvent | ScanEvent) -> None:
        """Queue an event; safe from any thread."""
        self.events.put(event)

    def start(self) -> EventDispatcher:
        """Consume on a thread of its own."""
        self._thread = threading.Thread(target=self._run, name="dispatcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish the queued events, then stop."""
        self.events.put(_STOP)
        if self._thread is not None:
            self._thread.join(5.0)

    def _run(self) -> None:
        ctx = self._make_context()
        try:
            self._watch_doors_left_open(ctx)
            while True:
                try:
                    event = self.events.get(timeout=TICK_S)
                except queue.Empty:
                    event = _TICK
                if event is _STOP:
                    return
                self._handle(ctx, event)
        finally:
            close = getattr(ctx.store, "close", None)
            if close is not None:
                close()

    def _watch_doors_left_open(self, ctx: LockerContext) -> None:
        """Doors the records hold open at start: watched from their last command, so a door
        left open across a restart is still reminded of and alerted."""
        try:
            for compartment in ctx.store.compartments(CompartmentState.OPEN):
                last = ctx.store.last_door_operation(compartment.label)
                since = last.started_at if last is not None else ctx.clock.now()
                self.watch.opened(compartment.label, since)
        except Exception:
            log.exception("reading the doors left open failed; they are watched from now on")

    def _handle(self, ctx: LockerContext, event: object) -> None:
        try:
            if isinstance(event, DoorEvent):
                notice = handle_door_event(ctx, event, self.watch)
                self.handled += 1
                if notice is not None:
                    self._on_notice(notice)
            elif isinstance(event, ScanEvent):
                self._on_scan(event, pickup_by_scan(ctx, event.text, self.tickets))
                self.handled += 1
            for notice in notices_for_open_doors(ctx, self.watch):
                self._on_notice(notice)
        except Exception:
            # A scan's text may be a pickup code or a badge: the log names only its source.
            what = f"a scan from {event.source}" if isinstance(event, ScanEvent) else repr(event)
            log.exception("handling %s failed; the next event is handled anyway", what)
