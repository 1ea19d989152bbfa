"""Debounce: one event per payload while it keeps being seen; a new one after the window."""

from __future__ import annotations

import queue
import threading

import pytest

from locker.scanner.scan_events import Debouncer, ScanEvent
from tests.scanner_runtime.support import ManualClock

# (seconds since the previous sighting, payload, a new event expected?)
SIGHTINGS = [
    (0.0, "PICKUP-1", True),
    (0.5, "PICKUP-1", False),  # the phone is still there
    (2.9, "PICKUP-1", False),  # the window slides from the last sighting
    (0.1, "PICKUP-2", True),  # a different payload is its own event
    (0.1, "PICKUP-1", False),
    (3.5, "PICKUP-1", True),  # gone longer than the window: shown again
    (3.5, "PICKUP-2", True),
]


def test_a_payload_is_one_event_within_the_window_and_a_new_one_after() -> None:
    clock = ManualClock()
    events: list[ScanEvent] = []
    debouncer = Debouncer(events.append, window_s=3.0, clock=clock)
    for after_s, text, expect_event in SIGHTINGS:
        clock.advance(after_s)
        event = debouncer.offer(text, "QR", "camera")
        assert (event is not None) == expect_event, (after_s, text)
    assert [event.text for event in events] == ["PICKUP-1", "PICKUP-2", "PICKUP-1", "PICKUP-2"]
    assert debouncer.events == 4
    assert debouncer.repeats == 3


@pytest.mark.parametrize(("after_s", "new_event"), [(2.99, False), (3.0, False), (3.01, True)])
def test_the_window_edge(after_s: float, new_event: bool) -> None:
    clock = ManualClock()
    debouncer = Debouncer(window_s=3.0, clock=clock)
    debouncer.offer("X", "QR", "camera")
    clock.advance(after_s)
    assert (debouncer.offer("X", "QR", "camera") is not None) == new_event


def test_events_carry_source_symbology_and_go_onto_a_queue() -> None:
    events: queue.Queue[ScanEvent] = queue.Queue()
    debouncer = Debouncer(events.put, clock=ManualClock())
    debouncer.offer("SF1234567890", "CODE128", "serial")
    event = events.get(timeout=1)
    assert (event.text, event.symbology, event.source) == ("SF1234567890", "CODE128", "serial")
    assert event.at.tzinfo is not None


def test_two_scanners_seeing_one_code_at_once_make_one_event() -> None:
    events: list[ScanEvent] = []
    debouncer = Debouncer(events.append)
    threads = [
        threading.Thread(target=lambda s=source: debouncer.offer("P", "QR", s))
        for source in ["camera", "serial"] * 20
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(events) == 1


def test_old_payloads_are_forgotten() -> None:
    clock = ManualClock()
    debouncer = Debouncer(window_s=3.0, clock=clock)
    for n in range(100):
        debouncer.offer(f"code-{n}", "QR", "camera")
        clock.advance(1.0)
    assert len(debouncer._last_seen) <= 4


def test_renewing_a_code_in_view_keeps_it_one_event():
    from locker.scanner.scan_events import Debouncer

    now = [0.0]
    events = []
    debouncer = Debouncer(events.append, window_s=3.0, clock=lambda: now[0])
    debouncer.offer("PL1:X", "QR", "camera")
    for _ in range(10):
        now[0] += 1.0
        debouncer.renew("PL1:X")
    debouncer.offer("PL1:X", "QR", "camera")
    assert len(events) == 1
    debouncer.renew("never-seen")  # renewing an unknown code creates nothing
    now[0] += 10
    debouncer.offer("never-seen", "QR", "camera")
    assert len(events) == 2
