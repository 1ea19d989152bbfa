"""On the shared real photos, the pipeline reads at least what plain pyzbar reads, text exact."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from pyzbar import pyzbar

from locker.scanner.decoding import FrameDecoder, to_gray

SHARED_QR = Path(__file__).parents[2].parent / "shared" / "data" / "qr"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}

pytestmark = pytest.mark.skipif(
    not SHARED_QR.is_dir(),
    reason=f"shared QR photos not found at {SHARED_QR} (they live beside the repo, not in it)",
)


def _photos() -> list[tuple[Path, str]]:
    if not SHARED_QR.is_dir():
        return []
    photos = []
    for path in sorted(SHARED_QR.rglob("*")):
        expected = path.with_suffix(".txt")
        if path.suffix.lower() in IMAGE_SUFFIXES and expected.exists():
            # Bytes, not read_text(): universal newlines would turn the payloads' CRLF into LF.
            photos.append((path, expected.read_bytes().decode("utf-8")))
    return photos


@pytest.fixture(scope="module")
def photos() -> list[tuple[Path, str]]:
    found = _photos()
    assert found, f"{SHARED_QR} holds no photo with an expected-text file"
    return found


def test_the_pipeline_reads_at_least_what_plain_pyzbar_reads(
    photos: list[tuple[Path, str]],
) -> None:
    decoder = FrameDecoder()
    ours, plain, wrong = [], [], []
    for path, expected in photos:
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        texts = [c.text for c in decoder.decode(frame)]
        if expected in texts:
            ours.append(path.name)
        elif texts:
            wrong.append((path.name, texts))
        pyzbar_texts = [s.data.decode("utf-8", "replace") for s in pyzbar.decode(to_gray(frame))]
        if expected in pyzbar_texts:
            plain.append(path.name)
    assert not wrong, f"decoded to text other than the .txt reference: {wrong}"
    assert len(ours) >= len(plain), f"ours {len(ours)} < plain pyzbar {len(plain)}"
    # The figures in docs/scanning.md: 118 of 119 at the time of writing.
    assert len(ours) >= 0.95 * len(photos)


@pytest.mark.parametrize(
    "name",
    [
        "zxingcpp-qrcode-2-extra/gs1-figure-4.15.1-2.png",  # GS1: raw group separator kept
        "zxing-qrcode-2/17.png",  # Shift_JIS half-width katakana
        "zxing-qrcode-2/30.png",  # Chinese in a MECARD
        "zxingcpp-qrcode-2-extra/qr-inv-1.webp",  # inverted
        "zxing-qrcode-1/16.png",  # CRLF line endings in the payload
    ],
)
def test_named_hard_photos_decode_to_their_reference_text(name: str) -> None:
    path = SHARED_QR / name
    if not path.exists():
        pytest.skip(f"{path} is not in this copy of the shared photos")
    expected = path.with_suffix(".txt").read_bytes().decode("utf-8")
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert expected in [c.text for c in FrameDecoder().decode(frame)]
