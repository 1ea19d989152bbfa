"""A code held far away and a code under a lamp's glare are read, with corners on the code."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from locker.scanner.decode_engines import DEFAULT_FORMATS, make_engine
from locker.scanner.decode_regions import MAX_MOSAIC_SIDE, evened, restored, zoomed
from locker.scanner.decoding import DEFAULT_CASCADE, FrameDecoder
from locker.scanner.synthetic import make_sample, render_qr

PICKUP = "PL1:SH-PD-001:1A2B:0:AbCdEfGhIjKlMn"
OTHER = "PL1:SH-PD-002:3C4D:1:NoPqRsTuVwXyZa"
NEW_STAGES = ("zoomed", "evened", "restored")
STAGE_FUNCTIONS = (zoomed, evened, restored)


@pytest.fixture(scope="module")
def before() -> FrameDecoder:
    """The cascade as it was without this module's stages."""
    return FrameDecoder(cascade=[step for step in DEFAULT_CASCADE if step[0] not in NEW_STAGES])


@pytest.fixture(scope="module")
def decoder() -> FrameDecoder:
    return FrameDecoder()


def _read(stage_out: tuple[np.ndarray, object] | None) -> dict[str, tuple[tuple[int, int], ...]]:
    """What zxing-cpp reads in a stage's image, with corners mapped back to the frame."""
    assert stage_out is not None
    image, back = stage_out
    engine = make_engine("zxing", DEFAULT_FORMATS)
    return {
        code.text: tuple(back(x, y) for x, y in code.polygon)  # type: ignore[operator]
        for code in engine(image)
    }


def _far_code(text: str, module_px: float) -> np.ndarray:
    """A QR with modules `module_px` wide, as a camera sees it: area-averaged, not crisp."""
    code = render_qr(text, 8)
    side = round(code.shape[0] * module_px / 8)
    return cv2.resize(code, (side, side), interpolation=cv2.INTER_AREA)


def _frame(
    codes: list[tuple[np.ndarray, int, int]], size: tuple[int, int] = (1280, 720)
) -> np.ndarray:
    """A mid-grey grayscale frame with each code pasted at its (left, top)."""
    width, height = size
    frame = np.full((height, width), 120, np.uint8)
    for code, left, top in codes:
        frame[top : top + code.shape[0], left : left + code.shape[1]] = code
    return frame


def _within(polygon: tuple[tuple[int, int], ...], left: int, top: int, side: int) -> bool:
    """Every corner lies on the code pasted at (left, top), give or take two pixels."""
    return all(
        left - 2 <= x <= left + side + 2 and top - 2 <= y <= top + side + 2 for x, y in polygon
    )


@pytest.mark.parametrize("index", [5, 7, 13])
def test_a_far_code_the_old_cascade_missed_is_read(
    before: FrameDecoder, decoder: FrameDecoder, index: int
) -> None:
    sample = make_sample(index, "far", (1280, 720))  # seed 0's frames, the ones tuned on
    assert sample.expected not in [code.text for code in before.decode(sample.image)]
    trace = decoder.decode_traced(sample.image)
    assert trace.step == "zoomed/zxing"
    (code,) = trace.codes
    assert code.text == sample.expected
    # The corners lie on the code in the frame: a far code's size, over a mix of dark and light.
    polygon = np.array(code.polygon, np.int32)
    assert 25 <= cv2.arcLength(polygon, True) / 4 <= 70
    gray = cv2.cvtColor(sample.image, cv2.COLOR_BGR2GRAY)
    mask = cv2.fillConvexPoly(np.zeros_like(gray), polygon, 255)
    inside = gray[mask > 0]
    assert (inside < 100).mean() > 0.2 and (inside > 160).mean() > 0.2


@pytest.mark.parametrize(
    ("index", "step"),
    [(28, "evened/zxing"), (39, "evened/zxing"), (16, "restored/zxing"), (17, "restored/zxing")],
)
def test_a_code_under_glare_the_old_cascade_missed_is_read(
    before: FrameDecoder, decoder: FrameDecoder, index: int, step: str
) -> None:
    sample = make_sample(index, "glare", (1280, 720))
    assert sample.expected not in [code.text for code in before.decode(sample.image)]
    trace = decoder.decode_traced(sample.image)
    assert trace.step == step
    assert [code.text for code in trace.codes] == [sample.expected]


def test_zoomed_corners_map_back_onto_each_far_code() -> None:
    first, second = _far_code(PICKUP, 1.4), _far_code(OTHER, 1.4)
    frame = _frame([(first, 300, 200), (second, 900, 450)])
    read = _read(zoomed(frame))
    assert _within(read[PICKUP], 300, 200, first.shape[0])
    assert _within(read[OTHER], 900, 450, second.shape[0])


def test_zoomed_reads_a_far_code_at_the_frames_edge() -> None:
    code = _far_code(PICKUP, 1.5)
    side = code.shape[0]
    frame = _frame([(code, 1280 - side - 2, 720 - side - 2)])
    read = _read(zoomed(frame))
    assert _within(read[PICKUP], 1280 - side - 2, 720 - side - 2, side)


def test_a_finder_pattern_lost_to_glare_is_painted_back_where_it_was() -> None:
    module = 5
    code = render_qr(PICKUP, module)
    modules = code.shape[0] // module
    frame = _frame([(code, 400, 200)])
    # The top-right finder (7 modules and its separator, inside the 4-module quiet zone) washed
    # out to white, as a lamp's reflection does; the data modules are intact.
    right = 400 + (modules - 4) * module
    frame[200 + 3 * module : 200 + 12 * module, right - 9 * module : right + module] = 255
    assert make_engine("zxing", DEFAULT_FORMATS)(frame) == []
    read = _read(restored(frame))
    quiet = 4 * module
    assert _within(read[PICKUP], 400 + quiet, 200 + quiet, code.shape[0] - 2 * quiet)


def test_restored_needs_two_finders_and_a_bright_place_for_the_third() -> None:
    code = render_qr(PICKUP, 5)
    assert restored(_frame([(code, 400, 200)])) is None  # all three there: nothing to guess
    assert restored(_frame([(code[:100, :100], 400, 200)])) is None  # one finder alone


def test_evened_keeps_the_frames_geometry() -> None:
    code = render_qr(PICKUP, 5)
    frame = _frame([(code, 400, 150)])
    image, back = evened(frame)  # type: ignore[misc]
    assert image.shape == frame.shape
    assert back(400.4, 150.6) == (400, 151)


@pytest.mark.parametrize(
    "shape",
    [
        (0, 0),
        (0, 640),
        (1, 1),
        (5, 300),
        (127, 2000),
        (128, 128),
        (129, 131),
        (2000, 130),
        (720, 1280),
    ],
)
@pytest.mark.parametrize("fill", [0, 255, "noise"])
def test_stages_take_any_image_shape_and_content(shape: tuple[int, int], fill: object) -> None:
    if fill == "noise":
        image = np.random.default_rng(7).integers(0, 256, shape, dtype=np.uint8)
    else:
        image = np.full(shape, fill, np.uint8)
    for stage in STAGE_FUNCTIONS:
        out = stage(image)
        if out is not None:
            fixed, back = out
            assert fixed.dtype == np.uint8 and fixed.ndim == 2
            back(0.0, 0.0)


def test_a_constant_frame_has_nothing_to_zoom_into() -> None:
    assert zoomed(np.full((720, 1280), 128, np.uint8)) is None


def test_zoomed_never_exceeds_its_size_cap_on_a_busy_large_frame() -> None:
    busy = np.random.default_rng(3).integers(0, 256, (2160, 3840), dtype=np.uint8)
    out = zoomed(busy)
    assert out is not None
    assert max(out[0].shape) <= MAX_MOSAIC_SIDE


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(0, 300), st.integers(0, 300))))
def test_arbitrary_images_never_crash_the_stages(image: np.ndarray) -> None:
    for stage in STAGE_FUNCTIONS:
        out = stage(image)
        if out is not None:
            assert out[0].dtype == np.uint8 and out[0].ndim == 2
