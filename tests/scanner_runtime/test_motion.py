"""The motion gate: still scenes are not decoded; a change, or the periodic check, is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from locker.scanner.motion import MotionGate
from tests.scanner_runtime.support import ManualClock, backdrop, qr_image


def with_code(frame: np.ndarray) -> np.ndarray:
    shown = frame.copy()
    code = qr_image("PICKUP-7")
    h, w = code.shape[:2]
    shown[100 : 100 + h, 200 : 200 + w] = code
    return shown


def test_identical_frames_are_skipped_and_a_changed_frame_passes() -> None:
    gate = MotionGate(clock=ManualClock())
    still = backdrop()
    assert gate.should_decode(still)  # the first frame sets the reference
    assert [gate.should_decode(still.copy()) for _ in range(20)] == [False] * 20
    assert gate.should_decode(with_code(still))
    assert not gate.should_decode(with_code(still))  # the code held still
    assert gate.should_decode(still)  # and taken away


def test_sensor_noise_and_jpeg_artefacts_do_not_open_the_gate() -> None:
    gate = MotionGate(clock=ManualClock())
    rng = np.random.default_rng(4)
    still = backdrop()
    gate.should_decode(still)
    for _ in range(10):
        noisy = np.clip(still + rng.normal(0, 4, still.shape), 0, 255).astype(np.uint8)
        _, jpeg = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 60])
        assert not gate.should_decode(cv2.imdecode(jpeg, cv2.IMREAD_COLOR))


def test_a_still_scene_is_still_decoded_every_few_seconds() -> None:
    clock = ManualClock()
    gate = MotionGate(force_every_s=3.0, clock=clock)
    still = with_code(backdrop())
    assert gate.should_decode(still)
    clock.advance(2.9)
    assert not gate.should_decode(still)
    clock.advance(0.2)
    assert gate.should_decode(still)
    assert not gate.should_decode(still)


@pytest.mark.parametrize("shape", [(480, 640), (480, 640, 3), (720, 1280, 3)])
def test_grayscale_and_colour_frames_of_any_size(shape: tuple[int, ...]) -> None:
    gate = MotionGate(clock=ManualClock())
    frame = np.zeros(shape, dtype=np.uint8)
    assert gate.should_decode(frame)
    assert not gate.should_decode(frame)
    frame[: shape[0] // 4] = 255
    assert gate.should_decode(frame)
