"""A camera's decoder: the fast steps on every frame, the slow ones spread over the next frames.

A frame that no step reads costs the whole cascade (64 to 129 ms at 1280x720), and a camera
thread decoding it holds the newest frame that long. `SpreadDecoder` gives each call a time
budget instead: the newest frame always gets the fast steps first; a frame they do not read is
held, and its remaining steps go on, as far as the budget allows, in this call and the next ones.
A code read there comes back from the call that read it, a frame or a few later.

A camera sees the same code in many frames, and some are sharper than others (a hand shakes,
autofocus hunts): with `hold_sharpest`, a newer frame the fast steps miss takes the held
frame's place when a cheap focus measure finds it clearly sharper, so the slow steps go to the
frame most likely to read. A lamp's reflection slides over a held phone, so every new frame
washed out by one gets the step that repairs glare in its own call.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np

from locker.scanner.decoding import CascadeWork, DecodedCode, FrameDecoder, to_gray

# Steps every frame gets before any held work: plain and inverted (dark mode) with zxing-cpp,
# about 1 to 7 ms at 1280x720 together.
FAST_STEPS = 2
# The budget a call spends by choice. A call mostly runs one held step after the fast steps, and
# the longest (upscaled or deblur_motion) takes about 8 to 12 ms at 1280x720 on the machine of
# docs/scanning.md, so 20 ms keeps a call under 30 ms there (a machine 1.5 times slower goes
# past it in a few per cent of calls).
FRAME_BUDGET_MS = 20.0
# A held frame gives way to a newer one whose focus measure is more than this many times its own
# (chosen on the moving clips of seed 0, see docs/scanning.md).
SHARPER_BY = 1.25
# The focus and glare measures look at the frame shrunk to this width: well under a millisecond
# at 1280x720.
FOCUS_WIDTH = 320
# A new frame with more than GLARE_SHARE of its pixels at GLARE_LEVEL or above has a lamp's
# reflection on it, and gets the GLARE_STAGES (`restored`: a finder lost under the glare painted
# back, a few ms) right after the fast steps: the reflection moves as the hand tilts, so the
# newest frame is the likeliest to read, and a held frame would meet the step only after
# deblurring and enlarging that a frame under a lamp does not need. A call whose glare step
# painted a finder back owes the held frame no step (one that found none to paint still does);
# once HELD_WAIT calls in a row have run none, the next call runs the held frame's step instead
# of the new frame's glare steps (docs/scanning.md).
GLARE_LEVEL = 250
GLARE_SHARE = 0.01
GLARE_STAGES = ("restored",)
HELD_WAIT = 4


def focus_measure(gray: np.ndarray) -> float:
    """The variance of the Laplacian of the frame shrunk to FOCUS_WIDTH: higher is sharper."""
    _, deviation = cv2.meanStdDev(cv2.Laplacian(_shrunk(gray), cv2.CV_16S))
    return float(deviation[0, 0]) ** 2


def glare_share(gray: np.ndarray) -> float:
    """The share of the frame (shrunk to FOCUS_WIDTH) washed out to GLARE_LEVEL or above."""
    small = _shrunk(gray)
    return cv2.countNonZero(cv2.inRange(small, GLARE_LEVEL, 255)) / max(1, small.size)


def _shrunk(gray: np.ndarray) -> np.ndarray:
    height, width = gray.shape[:2]
    if width <= FOCUS_WIDTH:
        return gray
    size = (FOCUS_WIDTH, max(1, round(height * FOCUS_WIDTH / width)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


class SpreadDecoder:
    """Decodes a camera's frames within `frame_budget_ms` each, resuming slow steps later."""

    def __init__(
        self,
        decoder: FrameDecoder | None = None,
        *,
        frame_budget_ms: float = FRAME_BUDGET_MS,
        fast_steps: int = FAST_STEPS,
        hold_sharpest: bool = True,
        sharper_by: float = SHARPER_BY,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """`decoder` gives the cascade; `clock` (seconds) is replaceable for tests.

        With `hold_sharpest` off, the held frame is the first the fast steps missed, kept until
        its cascade is done.
        """
        self.decoder = decoder or FrameDecoder()
        self.frame_budget_ms = frame_budget_ms
        self.fast_steps = fast_steps
        self.hold_sharpest = hold_sharpest
        self.sharper_by = sharper_by
        self._clock = clock
        self._held: CascadeWork | None = None
        self._held_focus = 0.0
        self._to_run: list[int] = []  # the held frame's steps still to run, in order
        self._glare_steps = [
            i for i, (stage, _) in enumerate(self.decoder.steps) if stage in GLARE_STAGES
        ]
        self._held_waited = 0  # calls in a row that ran none of the held frame's steps
        self._cost_ms: dict[tuple[str, tuple[int, ...]], float] = {}
        self.last_steps: list[str] = []  # what the last call ran: "fresh plain/zxing", "held ..."

    @property
    def holding(self) -> bool:
        """A frame's slow steps are still to run."""
        return self._held is not None

    def reset(self) -> None:
        """Drop the held frame (the scene changed); what the steps cost is kept."""
        self._held = None
        self._to_run = []

    def decode(self, frame: np.ndarray) -> list[DecodedCode]:
        """The codes read in this call: in `frame`, or in the held frame's next steps."""
        gray = to_gray(frame)
        started = self._clock()
        self.last_steps = []
        glare_run: list[int] = []
        restoring = False
        if gray.size:
            fresh = CascadeWork(self.decoder, gray)
            while fresh.next_step < self.fast_steps and not fresh.done:
                self.last_steps.append(f"fresh {fresh.next_name}")
                codes = fresh.run_next()
                if codes:
                    self.reset()  # the newest frame is read: the held one is old news
                    return codes
            # A call that owes the held frame its step spends nothing more on the new one.
            if not self._held_owed and glare_share(gray) > GLARE_SHARE:
                glare_run = [i for i in self._glare_steps if i >= fresh.next_step]
                for index in glare_run:
                    self.last_steps.append(f"fresh {self.decoder.step_name(index)}")
                    codes = fresh.run(index)
                    if codes:
                        self.reset()
                        return codes
            if not fresh.done:
                self._hold(fresh, glare_run)
            # Only a finder painted back makes a call's slow work: a bright scene with no finder
            # lost (a white phone, a lit wall) must not keep the held frame's steps waiting.
            restoring = any(fresh.applied(index) for index in glare_run)
        return self._resume(started, owed=not restoring)

    @property
    def _held_owed(self) -> bool:
        return self._held is not None and self._held_waited >= HELD_WAIT

    def _hold(self, fresh: CascadeWork, done: list[int]) -> None:
        """Hold the fresh frame if nothing is held, or if it is clearly sharper than the held.

        `done`: the fresh frame's slow steps already run in this call.
        """
        if self._held is None:
            to_run = [i for i in range(fresh.next_step, len(fresh.decoder.steps)) if i not in done]
            if to_run:
                self._held, self._to_run, self._held_waited = fresh, to_run, 0
                if self.hold_sharpest:
                    self._held_focus = focus_measure(fresh.gray)
            return
        if not self.hold_sharpest:
            return
        focus = focus_measure(fresh.gray)
        if focus > self._held_focus * self.sharper_by:
            self.last_steps.append("sharper frame held")
            # The sharper frame goes on from where the held one was, and gets the steps the held
            # one had done after: a frame replaced again and again still meets every step in turn.
            before = [
                i for i in range(fresh.next_step, len(fresh.decoder.steps)) if i not in self._to_run
            ]
            to_run = [i for i in self._to_run + before if i not in done]
            if to_run:
                self._held, self._held_focus, self._to_run = fresh, focus, to_run

    def _resume(self, started: float, owed: bool) -> list[DecodedCode]:
        """Run the held frame's next steps within the budget; one at least when `owed`."""
        ran = 0
        while self._held is not None:
            held = self._held
            index = self._to_run[0]
            name = self.decoder.step_name(index)
            key = (name, held.gray.shape)
            # One held step per call that owes one, so that a slow frame always gets on.
            if (ran or not owed) and (
                self._elapsed_ms(started) + self._estimate(key) > self.frame_budget_ms
            ):
                break
            self.last_steps.append(f"held {name}")
            step_started = self._clock()
            codes = held.run(self._to_run.pop(0))
            cost = self._elapsed_ms(step_started)
            # The slowest recent cost, fading: one quick run does not make a slow step look cheap.
            self._cost_ms[key] = max(cost, 0.8 * self._cost_ms.get(key, cost))
            ran += 1
            if codes or not self._to_run:
                self.reset()
            if codes:
                return codes
        self._held_waited = 0 if ran else self._held_waited + 1
        return []

    def _estimate(self, key: tuple[str, tuple[int, ...]]) -> float:
        # A step never timed at this frame size counts as a whole budget: it runs first or alone.
        return self._cost_ms.get(key, self.frame_budget_ms)

    def _elapsed_ms(self, since: float) -> float:
        return (self._clock() - since) * 1000
