"""The deblurring stages read defocused and shaken codes, map corners back, and never crash."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from locker.scanner.decode_deblur import _packed_frequencies, deblur_defocus, deblur_motion
from locker.scanner.decode_engines import zxing_engine
from locker.scanner.decode_spread import FAST_STEPS
from locker.scanner.decoding import DEFAULT_CASCADE, SINGLE_ENGINE_STAGES, FrameDecoder, to_gray
from locker.scanner.synthetic import make_sample

DEBLUR_STEPS = {"defocus": "deblur_defocus/zxing", "motion_blur": "deblur_motion/zxing"}
STAGES = (deblur_defocus, deblur_motion)


def _old_cascade() -> FrameDecoder:
    """The cascade as it was before the deblurring steps."""
    return FrameDecoder(
        cascade=[step for step in DEFAULT_CASCADE if not step[0].startswith("deblur")]
    )


def _line_kernel(length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    centre = (length / 2 - 0.5, length / 2 - 0.5)
    kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D(centre, angle, 1.0), (length, length))
    return kernel / kernel.sum()


@pytest.mark.parametrize("condition", ["defocus", "motion_blur"])
def test_a_blurred_kiosk_frame_the_old_cascade_missed_is_read(condition: str) -> None:
    sample = make_sample(0, condition, (1280, 720))  # the first seed-0 frame of its condition
    assert sample.expected not in [code.text for code in _old_cascade().decode(sample.image)]

    trace = FrameDecoder().decode_traced(sample.image)

    assert [code.text for code in trace.codes] == [sample.expected]
    assert trace.step == DEBLUR_STEPS[condition]


@pytest.mark.parametrize("condition", ["defocus", "motion_blur"])
def test_a_portrait_frame_is_deblurred_at_its_short_sides_scale(condition: str) -> None:
    sample = make_sample(0, condition, (1280, 720))
    portrait = cv2.rotate(sample.image, cv2.ROTATE_90_CLOCKWISE)

    trace = FrameDecoder().decode_traced(portrait)

    assert [code.text for code in trace.codes] == [sample.expected]
    assert trace.step == DEBLUR_STEPS[condition]


@pytest.mark.parametrize("condition", ["defocus", "motion_blur"])
def test_a_single_zxing_engine_also_deblurs(condition: str) -> None:
    sample = make_sample(0, condition, (1280, 720))

    codes = FrameDecoder(engines=("zxing",)).decode(sample.image)

    assert sample.expected in [code.text for code in codes]


@pytest.mark.parametrize(
    ("stage", "blur"),
    [
        (deblur_defocus, lambda gray: cv2.GaussianBlur(gray, (0, 0), 3.6)),
        (deblur_motion, lambda gray: cv2.filter2D(gray, -1, _line_kernel(13, 35.0))),
    ],
    ids=["defocus", "motion"],
)
def test_corners_found_in_the_deblurred_crop_come_back_in_frame_pixels(stage, blur) -> None:
    sample = make_sample(0, "clean", (1280, 720))
    gray = to_gray(sample.image)
    read = zxing_engine(("QR",))
    (sharp,) = read(gray)

    image, back = stage(blur(gray))
    # Several candidate kernels may read it, each in its own tile: every read must map back.
    found = [code for code in read(image) if code.text == sample.expected]

    assert found
    for code in found:
        corners = np.array([back(x, y) for x, y in code.polygon])
        assert np.abs(corners - np.array(sharp.polygon)).max() <= 6


@pytest.mark.parametrize("shape", [(64, 80), (63, 80), (64, 81), (45, 75)])
def test_a_gain_applied_to_the_packed_spectrum_filters_as_on_the_full_one(shape) -> None:
    image = np.random.default_rng(7).random(shape).astype(np.float32)
    rows, cols = shape

    def gain(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.exp(-20 * (u * u + v * v)).astype(np.float32)

    full = cv2.dft(image, flags=cv2.DFT_COMPLEX_OUTPUT)
    u, v = np.fft.fftfreq(cols)[None, :], np.fft.fftfreq(rows)[:, None]
    expected = cv2.idft(full * gain(u, v)[..., None], flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    packed_u, packed_v = _packed_frequencies(rows, cols)
    packed = cv2.dft(image) * gain(packed_u, packed_v)

    filtered = cv2.idft(packed, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)

    assert np.abs(filtered - expected).max() < 1e-4


def test_a_clean_frame_is_still_read_by_the_first_step() -> None:
    sample = make_sample(0, "clean", (1280, 720))

    trace = FrameDecoder().decode_traced(sample.image)

    assert trace.step == "plain/zxing"
    assert [code.text for code in trace.codes] == [sample.expected]


def test_both_cascades_deblur_but_only_after_the_camera_fast_steps() -> None:
    steps = [f"{stage}/{engine}" for stage, engine in DEFAULT_CASCADE]
    single = list(SINGLE_ENGINE_STAGES)

    for stage in ("deblur_defocus", "deblur_motion"):
        assert steps.index(f"{stage}/zxing") >= FAST_STEPS
        assert single.index(stage) >= FAST_STEPS


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.__name__)
@pytest.mark.parametrize(
    "gray",
    [
        np.zeros((0, 0), np.uint8),
        np.zeros((1, 1), np.uint8),
        np.zeros((3, 900), np.uint8),
        np.full((47, 47), 200, np.uint8),
        np.zeros((720, 1280), np.uint8),
        np.full((480, 640), 255, np.uint8),
        np.tile(np.array([[0, 255]], np.uint8), (60, 1000)),
    ],
    ids=["empty", "one-pixel", "a-line", "below-the-minimum", "black", "white", "stripes"],
)
def test_a_stage_declines_or_gives_an_image_on_odd_input(stage, gray: np.ndarray) -> None:
    _check_output(stage(gray))


@settings(max_examples=40, deadline=None)
@given(
    gray=arrays(
        np.uint8,
        st.tuples(st.integers(0, 200), st.integers(0, 200)),
        elements=st.integers(0, 255),
    )
)
def test_stages_never_crash_on_arbitrary_images(gray: np.ndarray) -> None:
    for stage in STAGES:
        _check_output(stage(gray))


def _check_output(out: object) -> None:
    if out is None:
        return
    image, back = out  # type: ignore[misc]
    assert image.dtype == np.uint8 and image.ndim == 2 and image.size > 0
    x, y = back(0.0, 0.0)
    assert isinstance(x, int) and isinstance(y, int)
