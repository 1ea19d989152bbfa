"""`locker scan`: image and video files through the kiosk's own pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from click.testing import CliRunner

from locker.cli.main import cli
from tests.scanner_runtime.support import backdrop, qr_image, write_qr_video

SHARED_QR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "qr"
PAYLOAD = "PL1:SH-PD-001:1A2B:0:AbCdEfGhIjKlMn"


def scan(*args):
    return CliRunner().invoke(cli, ["scan", *args])


def a_photo_of(text: str, path: Path) -> Path:
    frame = backdrop()
    code = qr_image(text)
    h, w = code.shape[:2]
    frame[100 : 100 + h, 150 : 150 + w] = code
    cv2.imwrite(str(path), frame)
    return path


def test_an_image_gives_its_code_and_the_decode_time(tmp_path):
    result = scan(str(a_photo_of(PAYLOAD, tmp_path / "phone.png")), "--json")
    assert result.exit_code == 0, result.output
    line = json.loads(result.output)
    assert line["codes"] == [PAYLOAD]
    assert isinstance(line["ms"], float) and line["ms"] > 0


def test_a_readable_line_per_file_without_json(tmp_path):
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), backdrop())
    result = scan(str(a_photo_of("hello", tmp_path / "a.png")), str(empty))
    assert result.exit_code == 0
    first, second = result.output.splitlines()
    assert "'hello'" in first and "ms" in first
    assert "no code found" in second


def test_a_video_gives_its_distinct_codes_in_order_of_first_appearance(tmp_path):
    video = tmp_path / "clip.avi"
    write_qr_video(video, PAYLOAD)
    line = json.loads(scan(str(video), "--json").output)
    assert line["codes"] == [PAYLOAD]


def test_an_unreadable_file_is_reported_and_sets_exit_code_one(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    good = a_photo_of("ok", tmp_path / "good.png")
    result = scan(str(broken), str(tmp_path / "missing.jpg"), str(good), "--json")
    assert result.exit_code == 1
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert "error" in lines[0] and "error" in lines[1]
    assert lines[2]["codes"] == ["ok"]


def test_no_path_is_a_usage_error():
    assert scan().exit_code == 2


def test_a_real_photo_from_the_shared_set_decodes_to_its_reference_text():
    if not SHARED_QR.is_dir():
        pytest.skip(f"the shared photos are not at {SHARED_QR}")
    photo = SHARED_QR / "zxing-qrcode-1" / "1.png"
    # As bytes: read_text would turn a payload's CRLF into LF (docs/scanning.md).
    expected = photo.with_suffix(".txt").read_bytes().decode("utf-8")
    line = json.loads(scan(str(photo), "--json").output)
    assert line["codes"] == [expected]
