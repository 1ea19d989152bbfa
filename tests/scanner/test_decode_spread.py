"""A camera decoder tries the newest frame first and spreads slow steps over the next calls."""

from __future__ import annotations

import cv2
import numpy as np

from locker.scanner.decode_spread import (
    GLARE_SHARE,
    HELD_WAIT,
    SpreadDecoder,
    focus_measure,
    glare_share,
)
from locker.scanner.decoding import FrameDecoder
from locker.scanner.synthetic import make_sample, render_qr

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


def spread(
    clock: TickingClock | None = None, cascade: tuple[tuple[str, str], ...] = CASCADE
) -> SpreadDecoder:
    return SpreadDecoder(
        FrameDecoder(engines=("zxing",), cascade=cascade),
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


def blurred_dark_mode_code(text: str) -> np.ndarray:
    return cv2.GaussianBlur(frame_with(render_qr(text, 5, inverted=True)), (0, 0), 1.2)


def test_a_sharper_newer_frame_takes_the_blurred_held_frame_s_place() -> None:
    decoder = spread()
    decoder.decode(blurred_dark_mode_code("blurred"))
    assert decoder.last_steps[-1] == "held downscaled/zxing"
    decoder.decode(dark_mode_code())
    # The sharper frame goes on from where the blurred one was, not from the first slow step.
    assert decoder.last_steps[-2:] == ["sharper frame held", "held contrast/zxing"]
    assert [c.text for c in decoder.decode(empty())] == [PICKUP]
    assert decoder.last_steps[-1] == "held inverted/zxing"


def test_a_frame_replaced_at_every_call_still_meets_every_slow_step() -> None:
    decoder = spread()
    rng = np.random.default_rng(0)
    held_steps = []
    for level in (2, 4, 8, 16, 32, 64):  # each frame clearly sharper than the one before
        frame = np.clip(90 + rng.normal(0, level, (480, 640, 3)), 0, 255).astype(np.uint8)
        decoder.decode(frame)
        assert level == 2 or "sharper frame held" in decoder.last_steps
        held_steps += [step for step in decoder.last_steps if step.startswith("held")]
    assert set(held_steps) == {
        "held downscaled/zxing",
        "held contrast/zxing",
        "held inverted/zxing",
    }


def test_a_blurrier_newer_frame_leaves_the_held_frame_s_steps_going() -> None:
    decoder = spread()
    decoder.decode(dark_mode_code())
    decoder.decode(blurred_dark_mode_code("blurred"))
    assert decoder.last_steps[-1] == "held contrast/zxing"
    assert [c.text for c in decoder.decode(empty())] == [PICKUP]


def test_a_code_coming_into_an_empty_scene_takes_the_idle_frame_s_place() -> None:
    decoder = spread()
    decoder.decode(empty())
    assert decoder.holding
    decoder.decode(dark_mode_code())
    assert "sharper frame held" in decoder.last_steps
    assert [c.text for c in decoder.decode(empty())] == [PICKUP]


def test_without_hold_sharpest_the_first_frame_missed_keeps_its_place() -> None:
    decoder = SpreadDecoder(
        FrameDecoder(engines=("zxing",), cascade=CASCADE),
        frame_budget_ms=25,
        hold_sharpest=False,
        clock=TickingClock(),
    )
    decoder.decode(blurred_dark_mode_code("blurred"))
    decoder.decode(dark_mode_code())
    assert decoder.last_steps[-1] == "held contrast/zxing"
    assert "sharper frame held" not in decoder.last_steps


def test_the_focus_measure_ranks_a_sharp_frame_above_a_blurred_one() -> None:
    sharp = cv2.cvtColor(dark_mode_code(), cv2.COLOR_BGR2GRAY)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 2.0)
    big = cv2.resize(sharp, (1280, 960), interpolation=cv2.INTER_NEAREST)
    assert focus_measure(sharp) > focus_measure(blurred) > focus_measure(np.full_like(sharp, 90))
    assert focus_measure(big) > focus_measure(cv2.GaussianBlur(big, (0, 0), 4.0))


GLARE_CASCADE = (
    ("plain", "zxing"),
    ("inverted", "zxing"),
    ("upscaled", "zxing"),
    ("sharpened", "zxing"),
    ("evened", "zxing"),
    ("restored", "zxing"),
)


def with_glare(frame: np.ndarray) -> np.ndarray:
    """A lamp's reflection: a white disc over part of the scene."""
    lit = frame.copy()
    cv2.circle(lit, (200, 180), 70, (255, 255, 255), -1)
    return lit


def held_steps_in_order(frame: np.ndarray) -> list[str]:
    decoder = spread(cascade=GLARE_CASCADE)
    held: list[str] = []
    while True:
        decoder.decode(frame)
        held += [step for step in decoder.last_steps if step.startswith("held ")]
        if not decoder.holding:
            return held


def test_new_frames_under_glare_get_the_restoring_step_in_their_own_call() -> None:
    decoder = spread(cascade=GLARE_CASCADE)
    for _ in range(HELD_WAIT):
        decoder.decode(code_too_washed_out_to_restore())
        assert decoder.last_steps == [
            "fresh plain/zxing",
            "fresh inverted/zxing",
            "fresh restored/zxing",
        ]


def test_after_a_few_calls_of_glare_steps_a_call_gives_the_held_frame_its_step() -> None:
    # Each step looks 10 ms long: a call that restored a finder has no budget left for held work.
    decoder = spread(cascade=GLARE_CASCADE)
    calls = []
    for _ in range(2 * (HELD_WAIT + 1)):
        decoder.decode(code_too_washed_out_to_restore())
        calls.append(decoder.last_steps[2:])
    restored, held_first, held_next = (
        ["fresh restored/zxing"],
        ["held upscaled/zxing"],
        ["held sharpened/zxing"],
    )
    assert calls == [*[restored] * HELD_WAIT, held_first, *[restored] * HELD_WAIT, held_next]


def test_a_bright_scene_with_no_finder_to_restore_still_gives_the_held_frame_its_step() -> None:
    # A white phone or a lit wall washes out part of every frame without hiding any finder: the
    # restoring step finds nothing to paint, and the held frame's steps must not wait for it.
    decoder = spread(cascade=GLARE_CASCADE)
    calls = []
    for _ in range(3):
        decoder.decode(with_glare(empty()))
        calls.append(decoder.last_steps[2:])
    assert calls == [
        ["fresh restored/zxing", "held upscaled/zxing"],
        ["fresh restored/zxing", "held sharpened/zxing"],
        ["fresh restored/zxing", "held evened/zxing"],
    ]


def test_a_defocused_code_in_a_bright_scene_is_read_within_a_second_of_frames() -> None:
    # The kiosk set's defocused frame: 2 % of it is washed out, far from the code, and only the
    # deblurring step (the ninth) reads it. Every step looks slow, so a call runs one held step.
    sample = make_sample(0, "defocus", (640, 480))
    assert glare_share(cv2.cvtColor(sample.image, cv2.COLOR_BGR2GRAY)) > GLARE_SHARE
    decoder = SpreadDecoder(FrameDecoder(), clock=TickingClock())
    read = [sample.expected in (c.text for c in decoder.decode(sample.image)) for _ in range(15)]
    assert any(read)


def test_a_frame_without_glare_gets_no_restoring_step_of_its_own() -> None:
    decoder = spread(cascade=GLARE_CASCADE)
    decoder.decode(empty())
    assert "fresh restored/zxing" not in decoder.last_steps


def test_a_code_whose_finder_the_glare_wiped_is_read_in_the_call_of_its_frame() -> None:
    decoder = spread(cascade=GLARE_CASCADE)
    decoder.decode(empty())  # a held idle frame, as in a running camera
    assert [c.text for c in decoder.decode(code_with_a_finder_washed_out())] == [PICKUP]
    assert decoder.last_steps[-1] == "fresh restored/zxing"
    assert not decoder.holding


def test_a_held_frame_under_glare_is_not_restored_twice() -> None:
    assert held_steps_in_order(with_glare(empty())) == [
        "held upscaled/zxing",
        "held sharpened/zxing",
        "held evened/zxing",
    ]


def test_a_held_frame_without_glare_keeps_the_cascades_order() -> None:
    assert held_steps_in_order(empty()) == [
        "held upscaled/zxing",
        "held sharpened/zxing",
        "held evened/zxing",
        "held restored/zxing",
    ]


def test_a_sharper_frame_under_glare_taking_the_held_place_is_restored_once() -> None:
    decoder = spread(cascade=GLARE_CASCADE)
    decoder.decode(cv2.GaussianBlur(empty_with_texture(), (0, 0), 4))
    assert decoder.last_steps[-1] == "held upscaled/zxing"
    steps: list[str] = []
    for _ in range(6):
        decoder.decode(with_glare(empty_with_texture()))
        steps += decoder.last_steps
    assert "sharper frame held" in steps
    assert "held restored/zxing" not in steps
    assert steps.count("fresh restored/zxing") >= 5


def code_with_a_finder_washed_out() -> np.ndarray:
    """A pickup code under a lamp's reflection that whitens its top-left finder pattern."""
    frame = plain_code()
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    ys, xs = np.nonzero(gray < 60)
    top, left = int(ys.min()), int(xs.min())
    cv2.circle(frame, (left + 17, top + 17), 24, (255, 255, 255), -1)
    return frame


def code_too_washed_out_to_restore() -> np.ndarray:
    """The code above, its lower right quarter washed out too: a finder to paint, no read."""
    frame = code_with_a_finder_washed_out()
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    ys, xs = np.nonzero(gray < 60)
    top, bottom, left, right = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
    middle = ((left + right) // 2, (top + bottom) // 2)
    cv2.rectangle(frame, middle, (right, bottom), (255, 255, 255), -1)
    return frame


def empty_with_texture() -> np.ndarray:
    """A scene with edges in it, so that a blurred copy measures less sharp."""
    frame = np.full((480, 640, 3), 90, np.uint8)
    for x in range(0, 640, 16):
        cv2.line(frame, (x, 0), (x, 479), (140, 140, 140), 2)
    return frame
