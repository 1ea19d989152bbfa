"""A camera's decoder: the fast steps on every frame, the slow ones spread over the next frames.

A frame that no step reads costs the whole cascade (64 to 129 ms at 1280x720), and a camera
thread decoding it holds the newest frame that long. `SpreadDecoder` gives each call a time
budget instead: the newest frame always gets the fast steps first; a frame they do not read is
held, and its remaining steps go on, as far as the budget allows, in this call and the next ones.
A code read there comes back from the call that read it, a frame or a few later.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from locker.scanner.decoding import CascadeWork, DecodedCode, FrameDecoder, to_gray

# Steps every frame gets before any held work: plain and inverted (dark mode) with zxing-cpp,
# about 1 to 7 ms at 1280x720 together.
FAST_STEPS = 2
# The budget a call spends by choice. A call always runs one held step, and the longest (a zbar
# pass) takes about 12 to 22 ms at 1280x720, so 20 ms keeps a call near 30 ms at worst.
FRAME_BUDGET_MS = 20.0


class SpreadDecoder:
    """Decodes a camera's frames within `frame_budget_ms` each, resuming slow steps later."""

    def __init__(
        self,
        decoder: FrameDecoder | None = None,
        *,
        frame_budget_ms: float = FRAME_BUDGET_MS,
        fast_steps: int = FAST_STEPS,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """`decoder` gives the cascade; `clock` (seconds) is replaceable for tests."""
        self.decoder = decoder or FrameDecoder()
        self.frame_budget_ms = frame_budget_ms
        self.fast_steps = fast_steps
        self._clock = clock
        self._held: CascadeWork | None = None
        self._cost_ms: dict[tuple[str, tuple[int, ...]], float] = {}
        self.last_steps: list[str] = []  # what the last call ran: "fresh plain/zxing", "held ..."

    @property
    def holding(self) -> bool:
        """A frame's slow steps are still to run."""
        return self._held is not None

    def reset(self) -> None:
        """Drop the held frame (the scene changed); what the steps cost is kept."""
        self._held = None

    def decode(self, frame: np.ndarray) -> list[DecodedCode]:
        """The codes read in this call: in `frame`, or in the held frame's next steps."""
        gray = to_gray(frame)
        started = self._clock()
        self.last_steps = []
        if gray.size:
            fresh = CascadeWork(self.decoder, gray)
            while fresh.next_step < self.fast_steps and not fresh.done:
                self.last_steps.append(f"fresh {fresh.next_name}")
                codes = fresh.run_next()
                if codes:
                    self._held = None  # the newest frame is read: the held one is old news
                    return codes
            if self._held is None and not fresh.done:
                self._held = fresh
        return self._resume(started)

    def _resume(self, started: float) -> list[DecodedCode]:
        ran = 0
        while self._held is not None:
            held = self._held
            name = held.next_name
            key = (name, held.gray.shape)
            # One held step per call at least, so that a slow frame always gets on.
            if ran and self._elapsed_ms(started) + self._estimate(key) > self.frame_budget_ms:
                break
            self.last_steps.append(f"held {name}")
            step_started = self._clock()
            codes = held.run_next()
            cost = self._elapsed_ms(step_started)
            # The slowest recent cost, fading: one quick run does not make a slow step look cheap.
            self._cost_ms[key] = max(cost, 0.8 * self._cost_ms.get(key, cost))
            ran += 1
            if codes or held.done:
                self._held = None
            if codes:
                return codes
        return []

    def _estimate(self, key: tuple[str, tuple[int, ...]]) -> float:
        # A step never timed at this frame size counts as a whole budget: it runs first or alone.
        return self._cost_ms.get(key, self.frame_budget_ms)

    def _elapsed_ms(self, since: float) -> float:
        return (self._clock() - since) * 1000
