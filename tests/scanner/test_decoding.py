"""The decode pipeline reads the hard cases a kiosk camera sees, and returns text exactly."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from locker.scanner.decoding import DecodedCode, FrameDecoder, FrameError
from locker.scanner.synthetic import render_qr

PICKUP = "PL1:SH-PD-001:1A2B:0:AbCdEfGhIjKlMn"


def frame_with(code: np.ndarray, size: tuple[int, int] = (640, 480), at: float = 0.5) -> np.ndarray:
    """A BGR camera frame of mid-gray with `code` (grayscale) centred on it."""
    width, height = size
    frame = np.full((height, width), 120, np.uint8)
    h, w = code.shape
    top, left = int((height - h) * at), int((width - w) * at)
    frame[top : top + h, left : left + w] = code
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def _rotated(frame: np.ndarray, angle: float) -> np.ndarray:
    h, w = frame.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(frame, matrix, (w, h), borderValue=(120, 120, 120))


def _tilted(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    src = np.float32([(0, 0), (w, 0), (w, h), (0, h)])
    dst = np.float32([(60, 30), (w - 20, 0), (w, h), (30, h - 40)])
    return cv2.warpPerspective(frame, cv2.getPerspectiveTransform(src, dst), (w, h))


def _motion(frame: np.ndarray, length: int = 7) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1 / length
    return cv2.filter2D(frame, -1, kernel)


def _dim(frame: np.ndarray) -> np.ndarray:
    noise = np.random.default_rng(1).normal(0, 2.5, frame.shape)
    return np.clip(frame * 0.08 + noise, 0, 255).astype(np.uint8)


def _big(frame_size: tuple[int, int]) -> np.ndarray:
    code = render_qr(PICKUP, 1)
    side = frame_size[1] - 10
    return frame_with(cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST), frame_size)


def _small() -> np.ndarray:
    code = cv2.resize(render_qr(PICKUP, 4), (62, 62), interpolation=cv2.INTER_AREA)
    return frame_with(code, at=0.3)


HARD_CASES = {
    "plain": lambda: frame_with(render_qr(PICKUP, 5)),
    "inverted": lambda: frame_with(render_qr(PICKUP, 5, inverted=True)),
    "mirrored": lambda: cv2.flip(frame_with(render_qr(PICKUP, 5)), 1),
    "rotated": lambda: _rotated(frame_with(render_qr(PICKUP, 5)), 37),
    "upside_down": lambda: _rotated(frame_with(render_qr(PICKUP, 5)), 180),
    "tilted": lambda: _tilted(frame_with(render_qr(PICKUP, 5))),
    "small": _small,
    "large": lambda: _big((640, 480)),
    "blurred": lambda: cv2.GaussianBlur(frame_with(render_qr(PICKUP, 5)), (0, 0), 2.0),
    "motion_blurred": lambda: _motion(frame_with(render_qr(PICKUP, 5))),
    "low_light": lambda: _dim(frame_with(render_qr(PICKUP, 5))),
    "inverted_mirrored": lambda: cv2.flip(frame_with(render_qr(PICKUP, 5, inverted=True)), 1),
    "hd_frame": lambda: frame_with(render_qr(PICKUP, 6), (1280, 720)),
}


@pytest.fixture(scope="module")
def decoder() -> FrameDecoder:
    return FrameDecoder()


@pytest.mark.parametrize("case", sorted(HARD_CASES))
def test_the_pipeline_reads_each_hard_case(decoder: FrameDecoder, case: str) -> None:
    frame = HARD_CASES[case]()
    codes = decoder.decode(frame)
    assert [(c.text, c.symbology) for c in codes] == [(PICKUP, "QR")]
    h, w = frame.shape[:2]
    assert len(codes[0].polygon) == 4
    assert all(-2 <= x <= w + 2 and -2 <= y <= h + 2 for x, y in codes[0].polygon)


@pytest.mark.parametrize("case", ["plain", "inverted", "mirrored", "rotated"])
def test_pyzbar_alone_stays_a_working_engine(case: str) -> None:
    decoder = FrameDecoder(engines=("pyzbar",))
    assert [c.text for c in decoder.decode(HARD_CASES[case]())] == [PICKUP]


def test_polygon_maps_back_to_frame_pixels_from_a_mirrored_read() -> None:
    frame = cv2.flip(frame_with(render_qr(PICKUP, 5), at=0.1), 1)  # code near the right edge
    (code,) = FrameDecoder(cascade=(("mirrored", "zxing"),), engines=("zxing",)).decode(frame)
    xs = [x for x, _ in code.polygon]
    assert min(xs) > frame.shape[1] / 2


TRACKING = [
    ("CODE128", zxingcpp.BarcodeFormat.Code128, "1Z999AA10123456784"),
    ("EAN13", zxingcpp.BarcodeFormat.EAN13, "4006381333931"),
    ("CODE39", zxingcpp.BarcodeFormat.Code39, "JD014600003RS"),
]


@pytest.mark.parametrize(("symbology", "fmt", "text"), TRACKING)
@pytest.mark.parametrize("engine", ["zxing", "pyzbar"])
def test_couriers_1d_barcodes_are_read(symbology: str, fmt: object, text: str, engine: str) -> None:
    image = np.array(zxingcpp.create_barcode(text, fmt).to_image(scale=2))
    frame = frame_with(image)
    codes = FrameDecoder(engines=(engine,)).decode(frame)
    assert [(c.text, c.symbology) for c in codes] == [(text, symbology)]


@pytest.mark.parametrize("symbology", ["CODE128", "EAN13", "CODE39"])
def test_a_rotated_tracking_barcode_is_read(decoder: FrameDecoder, symbology: str) -> None:
    _, fmt, text = next(row for row in TRACKING if row[0] == symbology)
    image = np.array(zxingcpp.create_barcode(text, fmt).to_image(scale=2))
    frame = _rotated(frame_with(image, (1280, 720)), 90)
    assert [c.text for c in decoder.decode(frame)] == [text]


def waybill_barcode() -> np.ndarray:
    """A courier's tracking barcode (Code 128), black on white."""
    return np.array(
        zxingcpp.create_barcode("1Z999AA10123456784", zxingcpp.BarcodeFormat.Code128).to_image(
            scale=2
        )
    )


def qr_beside_a_barcode(qr_text: str) -> np.ndarray:
    barcode = waybill_barcode()
    frame = np.full((480, 900), 200, np.uint8)
    qr = render_qr(qr_text, 5)
    frame[40 : 40 + qr.shape[0], 30 : 30 + qr.shape[1]] = qr
    frame[200 : 200 + barcode.shape[0], 480 : 480 + barcode.shape[1]] = barcode
    return frame


def test_a_pickup_qr_beside_a_barcode_is_read_without_the_1d_search() -> None:
    codes = FrameDecoder(engines=("zxing",)).decode(qr_beside_a_barcode(PICKUP))
    # 2D first: the 1D row scans cost four times the QR search, and our own code settles it.
    assert [(c.text, c.symbology) for c in codes] == [(PICKUP, "QR")]


def test_a_carriers_qr_does_not_hide_the_waybills_tracking_barcode() -> None:
    codes = FrameDecoder(engines=("zxing",)).decode(qr_beside_a_barcode("https://sf.example/o/1"))
    assert sorted((c.text, c.symbology) for c in codes) == [
        ("1Z999AA10123456784", "CODE128"),
        ("https://sf.example/o/1", "QR"),
    ]


def test_the_dark_mode_step_looks_for_2d_codes_only() -> None:
    # Phones show codes in dark mode; printed waybills are never white on black, and the 1D
    # search on the inverted image would double what every frame with no code costs.
    dark_mode = FrameDecoder(engines=("zxing",), cascade=(("inverted", "zxing"),))
    barcode = waybill_barcode()
    assert dark_mode.decode(frame_with(cv2.bitwise_not(barcode))) == []
    assert [c.text for c in dark_mode.decode(frame_with(render_qr(PICKUP, 5, inverted=True)))] == [
        PICKUP
    ]


def test_a_decoder_for_barcodes_alone_skips_the_2d_fixes() -> None:
    decoder = FrameDecoder(engines=("zxing", "pyzbar"), formats=("CODE128",))
    assert decoder.decode(frame_with(render_qr(PICKUP, 5, inverted=True))) == []
    barcode = waybill_barcode()
    assert [c.text for c in decoder.decode(frame_with(barcode))] == ["1Z999AA10123456784"]


EXACT_TEXT = {
    "ascii": PICKUP,
    "utf8_chinese": "取件码 4417：请在四十八小时内取件",
    "utf8_mixed": "Grüße – Fach B12 ✓",
    "gs1_group_separator": "0109504000059101\x1d10ABC123\x1d17250101",
    "line_endings": "line one\r\nline two\n",
}


@pytest.mark.parametrize("name", sorted(EXACT_TEXT))
def test_text_comes_back_exactly_as_encoded(decoder: FrameDecoder, name: str) -> None:
    text = EXACT_TEXT[name]
    assert [c.text for c in decoder.decode(frame_with(render_qr(text, 5)))] == [text]


def test_two_codes_in_one_frame_are_both_returned_once(decoder: FrameDecoder) -> None:
    frame = np.full((480, 800), 200, np.uint8)
    first, second = render_qr("first code", 5), render_qr("second code", 5)
    frame[50 : 50 + first.shape[0], 40 : 40 + first.shape[1]] = first
    frame[50 : 50 + second.shape[0], 420 : 420 + second.shape[1]] = second
    assert sorted(c.text for c in decoder.decode(frame)) == ["first code", "second code"]


def test_a_frame_without_a_code_gives_nothing(decoder: FrameDecoder) -> None:
    assert decoder.decode(np.full((480, 640, 3), 90, np.uint8)) == []


def test_a_decoded_code_is_immutable() -> None:
    code = DecodedCode("x", "QR", ((0, 0), (1, 0), (1, 1), (0, 1)))
    with pytest.raises(AttributeError):
        code.text = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad",
    [np.zeros((4, 4), np.float32), np.zeros(10, np.uint8), np.zeros((4, 4, 2), np.uint8), "x"],
    ids=["float", "1d", "two_channels", "not_an_array"],
)
def test_what_is_not_an_image_is_refused_clearly(decoder: FrameDecoder, bad: object) -> None:
    with pytest.raises(FrameError):
        decoder.decode(bad)  # type: ignore[arg-type]


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        FrameDecoder(engines=("tesseract",))


def test_a_budget_bounds_the_cascade_on_an_empty_frame() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (480, 640), dtype=np.uint8)
    trace = FrameDecoder(budget_ms=0.0).decode_traced(noise)
    assert trace.codes == [] and trace.steps_tried == 1


_images = st.integers(0, 70).flatmap(
    lambda h: st.integers(0, 70).flatmap(
        lambda w: st.sampled_from([(h, w), (h, w, 1), (h, w, 3), (h, w, 4)]).flatmap(
            lambda shape: arrays(np.uint8, shape)
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(_images)
def test_arbitrary_images_never_crash_decode(image: np.ndarray) -> None:
    codes = FrameDecoder().decode(image)
    assert isinstance(codes, list)
    assert all(isinstance(c, DecodedCode) for c in codes)


def test_an_engine_left_out_of_the_cascade_still_reads_the_plain_frame() -> None:
    decoder = FrameDecoder(cascade=(("plain", "zxing"),))
    assert decoder.steps == (("plain", "zxing"), ("plain", "pyzbar"))


def test_an_engine_the_cascade_uses_gets_only_the_steps_it_names() -> None:
    steps = FrameDecoder().steps
    assert [step for step in steps if step[1] == "pyzbar"] == [("downscaled", "pyzbar")]
