"""`locker scan PATH...`: decode image or video files through the kiosk's own pipeline."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from locker.cli.runtime import PlainPath

VIDEO_SUFFIXES = {".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mjpg", ".mjpeg"}


@dataclass
class FileResult:
    """What one input file gave: codes in order of first appearance, and the decode time."""

    path: str
    codes: list[str] = field(default_factory=list)
    ms: float = 0.0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The --json line for this file."""
        if self.error is not None:
            return {"path": self.path, "error": self.error}
        return {"path": self.path, "codes": self.codes, "ms": round(self.ms, 3)}


def _add(result: FileResult, decoded: list[Any]) -> None:
    for code in decoded:
        if code.text not in result.codes:
            result.codes.append(code.text)


def scan_file(path: Path, decoder: Any) -> FileResult:
    """Decode one file; `ms` counts decoding only, not reading the file."""
    import cv2

    result = FileResult(str(path))
    if not path.is_file():
        result.error = "no such file"
        return result
    frame = None if path.suffix.lower() in VIDEO_SUFFIXES else cv2.imread(str(path))
    if frame is not None:
        started = time.perf_counter()
        _add(result, decoder.decode(frame))
        result.ms = (time.perf_counter() - started) * 1000
        return result
    capture = cv2.VideoCapture(str(path))
    frames = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok or frame is None:
                break
            frames += 1
            started = time.perf_counter()
            _add(result, decoder.decode(frame))
            result.ms += (time.perf_counter() - started) * 1000
    finally:
        capture.release()
    if frames == 0:
        result.error = "not an image or video OpenCV can read"
    return result


@click.command()
@click.argument("paths", nargs=-1, required=True, type=PlainPath(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def scan(paths: tuple[Path, ...], as_json: bool) -> None:
    """Decode QR codes and barcodes in image or video files; exit 1 if any file is unreadable."""
    from locker.scanner.decoding import FrameDecoder

    decoder = FrameDecoder()
    unreadable = False
    for path in paths:
        result = scan_file(path, decoder)
        unreadable |= result.error is not None
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        elif result.error is not None:
            click.echo(f"{result.path}: cannot read: {result.error}")
        elif result.codes:
            codes = ", ".join(repr(c) for c in result.codes)
            click.echo(f"{result.path}: {codes} ({result.ms:.1f} ms)")
        else:
            click.echo(f"{result.path}: no code found ({result.ms:.1f} ms)")
    sys.exit(1 if unreadable else 0)


def register(cli: click.Group) -> None:
    """Add this command to the top-level group."""
    cli.add_command(scan)
