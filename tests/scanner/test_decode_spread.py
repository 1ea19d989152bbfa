"""A camera decoder tries the newest frame first and spreads slow steps over the next calls."""

from __future__ import annotations

import cv2
import numpy as np

from locker.scanner.decode_spread import SpreadDecoder
from locker.scanner.decoding import FrameDecoder
from locker.scanner.synthetic import render_qr

PICKUP = "PL1:SH-PD-001:1A2B:0:AbCdEfGhIjKlMn"
# A dark-mode QR code is read by the fifth step only: four steps fail before it.
CASCADE = (
    ("plain", "zxing"),
    ("mirrored", "zxing"),
    ("downscaled", "zxing"),
    ("contrast", "zxing"),
    ("inverted", "zxing"),
)


class TickingClock:
    """A clock that moves on each time it is read (10 ms by default: every step looks slow)."""

    def __init__(self, step_s: float = 0.010) -> None:
        self.now = 0.0
        self.step_s = step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


def frame_with(code: np.ndarray) -> np.ndarray:
    frame = np.full((480, 640), 120, np.uint8)
    h, w = code.shape
    top, left = (480 - h) // 2, (640 - w) // 2
    frame[top : top + h, left : left + w] = code
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def dark_mode_code() -> np.ndarray:
    return frame_with(render_qr(PICKUP, 5, inverted=True))


def plain_code(text: str = PICKUP) -> np.ndarray:
    return frame_with(render_qr(text, 5))


def empty() -> np.ndarray:
    return np.full((480, 640, 3), 90, np.uint8)


def spread(clock: TickingClock | None = None) -> SpreadDecoder:
    return SpreadDecoder(
        FrameDecoder(engines=("zxing",), cascade=CASCADE),
        frame_budget_ms=25,
        clock=clock or TickingClock(),
    )


def test_a_frame_needing_a_slow_step_is_read_a_few_calls_later() -> None:
    decoder = spread()
    frame = dark_mode_code()
    results = [[c.text for c in decoder.decode(frame)] for _ in range(3)]
    assert results == [[], [], [PICKUP]]


def test_each_call_runs_the_fast_steps_and_one_slow_step_when_steps_are_slow() -> None:
    decoder = spread()
    decoder.decode(dark_mode_code())
    assert decoder.last_steps == [
        "fresh plain/zxing",
        "fresh mirrored/zxing",
        "held downscaled/zxing",
    ]
    decoder.decode(empty())
    assert decoder.last_steps == [
        "fresh plain/zxing",
        "fresh mirrored/zxing",
        "held contrast/zxing",
    ]


def test_the_held_frame_goes_on_while_newer_frames_show_nothing() -> None:
    decoder = spread()
    decoder.decode(dark_mode_code())
    assert decoder.decode(empty()) == []
    assert [c.text for c in decoder.decode(empty())] == [PICKUP]
    assert not decoder.holding


def test_a_fresh_frame_is_always_tried_first_and_wins_over_held_work() -> None:
    decoder = spread()
    decoder.decode(dark_mode_code())
    assert decoder.holding
    codes = decoder.decode(plain_code("fresh code"))
    assert [c.text for c in codes] == ["fresh code"]
    assert decoder.last_steps == ["fresh plain/zxing"]
    assert not decoder.holding


def test_with_time_to_spare_one_call_runs_the_whole_cascade() -> None:
    decoder = SpreadDecoder(FrameDecoder(engines=("zxing",), cascade=CASCADE), clock=lambda: 0.0)
    assert [c.text for c in decoder.decode(dark_mode_code())] == [PICKUP]


def test_a_frame_nothing_reads_is_dropped_once_its_cascade_is_done() -> None:
    decoder = spread()
    for _ in range(3):
        assert decoder.decode(empty()) == []
    assert decoder.last_steps[-1] == "held inverted/zxing"
    assert not decoder.holding
    decoder.decode(empty())
    assert decoder.last_steps[-1] == "held downscaled/zxing"  # a new frame's slow steps begin


def test_empty_and_odd_frames_are_accepted() -> None:
    decoder = spread()
    assert decoder.decode(np.zeros((0, 0, 3), np.uint8)) == []
    assert decoder.decode(np.zeros((5, 5), np.uint8)) == []


def test_steps_known_to_be_quick_run_together_in_one_call() -> None:
    decoder = spread(TickingClock(step_s=0.001))
    for _ in range(3):  # one unknown step per call, until each has been timed once
        decoder.decode(empty())
    assert [c.text for c in decoder.decode(dark_mode_code())] == [PICKUP]
    assert [s for s in decoder.last_steps if s.startswith("held")] == [
        "held downscaled/zxing",
        "held contrast/zxing",
        "held inverted/zxing",
    ]
