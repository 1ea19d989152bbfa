"""The camera pipeline end to end: a video file through grabber, gate, decoder and debouncer."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from locker.scanner.camera_service import CameraService, ScanLoop
from locker.scanner.capture import open_source
from locker.scanner.decoding import FrameDecoder
from locker.scanner.grabber import CameraState, FrameGrabber
from locker.scanner.motion import MotionGate
from locker.scanner.scan_events import Debouncer, ScanEvent
from tests.scanner_runtime.support import (
    FakeCode,
    MarkerDecoder,
    backdrop,
    qr_image,
    wait_until,
    write_qr_video,
)

PAYLOAD = "PL1:TEST-01:4417:9F3C"


def run_video(path: Path, decoder: object, fps: float = 30.0) -> tuple[list[ScanEvent], ScanLoop]:
    events: list[ScanEvent] = []
    grabber = FrameGrabber(lambda: open_source(str(path), fps=fps), name="clip")
    loop = ScanLoop(grabber, decoder, Debouncer(events.append), gate=MotionGate(), source="clip")  # type: ignore[arg-type]
    loop.start()
    grabber.start()
    try:
        assert grabber.ended.wait(20), "the video did not play to its end"
        # The decode thread has looked at the last frame the grabber put out.
        wait_until(lambda: loop.last_seq == grabber.latest.seq)
    finally:
        loop.stop()
        grabber.stop()
    return events, loop


def test_a_code_appearing_mid_video_is_exactly_one_event(tmp_path: Path) -> None:
    path = tmp_path / "pickup.avi"
    # At 20 fps the code is on screen for 1.25 s: seen even when a loaded machine decodes slowly.
    write_qr_video(path, PAYLOAD, frames=45, code_from=10, code_to=35)
    events, loop = run_video(path, FrameDecoder(), fps=20)
    assert [(e.text, e.symbology, e.source) for e in events] == [(PAYLOAD, "QR", "clip")]
    counters = loop.counters()
    assert counters.events == 1
    assert counters.frames_seen + counters.frames_behind == 45
    # Only the changes were decoded (the first frame, the code coming and going, perhaps a
    # periodic check); the still lobby and the code held still were not, frame by frame.
    assert counters.decoded <= 5
    assert counters.decoded + counters.skipped_motion == counters.frames_seen
    assert counters.with_codes >= 1


def test_the_last_detection_holds_the_code_polygon(tmp_path: Path) -> None:
    path = tmp_path / "pickup.avi"
    x, y, w, h = write_qr_video(path, "BOX", frames=20, code_from=5, code_to=20)
    _, loop = run_video(path, MarkerDecoder("BOX", (x, y, w, h)))
    detection = loop.last_detection()
    assert detection is not None
    assert [code.text for code in detection.codes] == ["BOX"]
    assert detection.codes[0].polygon[0] == (x, y)


class ExplodingDecoder:
    def __init__(self) -> None:
        self.calls = 0

    def decode(self, frame: np.ndarray) -> list[FakeCode]:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("corrupt frame")
        return [FakeCode("AFTER", "QR", ())]


def test_a_decoder_error_is_counted_and_scanning_goes_on() -> None:
    events: list[ScanEvent] = []
    loop = ScanLoop(
        FrameGrabber(lambda: None),  # type: ignore[arg-type, return-value]
        ExplodingDecoder(),
        Debouncer(events.append),
    )
    loop.step(backdrop(), 1)
    loop.step(backdrop(), 5)
    counters = loop.counters()
    assert (counters.decode_errors, counters.decoded, counters.events) == (1, 2, 1)
    assert counters.frames_behind == 3
    assert [event.text for event in events] == ["AFTER"]


def test_frames_put_out_before_the_first_look_count_as_behind() -> None:
    # A loaded machine: the grabber had put out two frames before the started loop first woke.
    loop = ScanLoop(
        FrameGrabber(lambda: None),  # type: ignore[arg-type, return-value]
        FrameDecoder(),
        Debouncer(lambda event: None),
    )
    loop.step(backdrop(), 2)
    assert (loop.counters().frames_seen, loop.counters().frames_behind) == (1, 1)


def test_a_started_loop_begins_at_the_newest_frame_and_older_ones_are_not_behind() -> None:
    grabber = FrameGrabber(lambda: None)  # type: ignore[arg-type, return-value]
    for _ in range(3):
        grabber.latest.put(backdrop())
    loop = ScanLoop(grabber, FrameDecoder(), Debouncer(lambda event: None), gate=MotionGate())
    loop.start()
    try:
        wait_until(lambda: loop.last_seq == 3)
        grabber.latest.put(backdrop())
        wait_until(lambda: loop.last_seq == 4)
    finally:
        loop.stop()
    assert (loop.counters().frames_seen, loop.counters().frames_behind) == (2, 0)


class SlowReader:
    """A decoder that holds a frame for three calls before it reads the code in it."""

    def __init__(self) -> None:
        self.calls = 0

    @property
    def holding(self) -> bool:
        return 0 < self.calls < 3

    def decode(self, frame: np.ndarray) -> list[FakeCode]:
        self.calls += 1
        return [FakeCode("SLOW", "QR", ())] if self.calls == 3 else []


def test_a_still_frame_the_decoder_holds_is_decoded_on_though_nothing_moves() -> None:
    events: list[ScanEvent] = []
    decoder = SlowReader()
    loop = ScanLoop(
        FrameGrabber(lambda: None),  # type: ignore[arg-type, return-value]
        decoder,
        Debouncer(events.append),
        gate=MotionGate(),
    )
    still = backdrop()
    for seq in range(1, 6):
        loop.step(still, seq)

    # The gate alone would decode the first frame and skip the still ones after it.
    assert decoder.calls == 3
    assert [event.text for event in events] == ["SLOW"]


def test_the_camera_service_runs_a_folder_source_and_stops(tmp_path: Path) -> None:
    still = backdrop()
    shown = still.copy()
    code = qr_image("FOLDER-1")
    shown[50 : 50 + code.shape[0], 50 : 50 + code.shape[1]] = code
    cv2.imwrite(str(tmp_path / "a.png"), still)
    cv2.imwrite(str(tmp_path / "b.png"), shown)
    events: list[ScanEvent] = []
    service = CameraService(f"folder:{tmp_path}", FrameDecoder(), Debouncer(events.append), fps=60)
    service.start()
    try:
        wait_until(lambda: service.loop.counters().frames_seen >= 20)
        assert service.grabber.health().state is CameraState.OK
    finally:
        service.stop()
    # The folder cycles a-b-a-b within the 3 s window: the code is one event.
    assert [event.text for event in events] == ["FOLDER-1"]
    assert service.grabber.health().state is CameraState.STOPPED
