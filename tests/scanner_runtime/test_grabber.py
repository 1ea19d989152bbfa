"""The newest frame wins, and a camera that goes away is reopened with back-off."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np

from locker.scanner.capture import FrameSource, SourceOpenError, open_source
from locker.scanner.grabber import CameraState, FrameGrabber, LatestFrame
from tests.scanner_runtime.support import CountingSource, wait_until, write_qr_video


def test_a_consumer_gets_the_newest_frame_and_the_rest_count_as_dropped() -> None:
    slot = LatestFrame()
    for n in range(1, 11):
        slot.put(np.array([n]))
    frame = slot.wait_newer(0, timeout_s=0)
    assert frame is not None
    assert (frame.seq, int(frame.image[0])) == (10, 10)
    assert slot.dropped == 9
    assert slot.wait_newer(frame.seq, timeout_s=0.01) is None  # nothing newer yet
    slot.put(np.array([11]))
    assert slot.dropped == 9  # frame 10 was taken before it was replaced


def test_a_slow_consumer_sees_only_the_latest_and_no_latency_builds_up() -> None:
    grabber = FrameGrabber(lambda: CountingSource(interval_s=0.001), name="fast").start()
    taken: list[int] = []
    ages: list[float] = []
    try:
        seq = 0
        for _ in range(6):
            frame = grabber.wait_newer(seq, timeout_s=5)
            assert frame is not None
            ages.append(time.monotonic() - frame.at)
            # The image is the frame the camera delivered last, not an old queued one.
            assert int(frame.image[0, 0]) == frame.seq
            taken.append(frame.seq)
            seq = frame.seq
            # A slow decode: capture runs well ahead meanwhile.
            wait_until(lambda s=seq: grabber.latest.seq >= s + 10)
    finally:
        grabber.stop()
    assert all(later - earlier >= 10 for earlier, later in itertools.pairwise(taken))
    # Whatever the consumer's pace, what it gets is fresh, however far capture ran ahead.
    assert max(ages) < 0.5
    final = grabber.latest.seq
    health = grabber.health()
    assert health.dropped_frames == final - len(taken) - (0 if taken[-1] == final else 1)
    assert health.frames == final
    assert health.state is CameraState.STOPPED


class VanishingCamera:
    """Opens and delivers, then dies; the next `refusals` opens fail, then it comes back."""

    def __init__(self, frames_before_loss: int = 5, refusals: int = 2) -> None:
        self.frames_before_loss = frames_before_loss
        self.refusals = refusals
        self.open_times: list[float] = []
        self.sources: list[CountingSource] = []

    def open(self) -> FrameSource:
        self.open_times.append(time.monotonic())
        if len(self.sources) == 1 and self.refusals > 0:
            self.refusals -= 1
            raise SourceOpenError("no such device")
        fail_after = self.frames_before_loss if not self.sources else None
        source = CountingSource(interval_s=0.002, fail_after=fail_after)
        self.sources.append(source)
        return source


def test_a_camera_that_vanishes_is_reopened_with_back_off_and_health_shows_it() -> None:
    camera = VanishingCamera(frames_before_loss=5, refusals=2)
    grabber = FrameGrabber(
        camera.open, name="lobby", fail_after=3, backoff_first_s=0.02, backoff_max_s=1.0
    ).start()
    try:
        wait_until(lambda: grabber.health().reconnects == 1 and grabber.latest.seq > 10)
        health = grabber.health()
    finally:
        grabber.stop()
    assert health.state is CameraState.OK
    assert health.last_frame_at is not None
    assert health.last_error == "open failed: no such device"
    states = [event.state for event in grabber.health_events()]
    first_loss = states.index(CameraState.LOST)
    assert states[:first_loss] == [CameraState.OK]
    assert states[first_loss:] == [
        CameraState.LOST,
        CameraState.RECONNECTING,
        CameraState.RECONNECTING,  # refused
        CameraState.RECONNECTING,
        CameraState.RECONNECTING,  # refused again
        CameraState.RECONNECTING,
        CameraState.OK,
        CameraState.STOPPED,
    ]
    # Back-off doubles: 0.02 s after the loss, then 0.04 s, then 0.08 s between attempts.
    gaps = [b - a for a, b in itertools.pairwise(camera.open_times)]
    assert gaps[1] >= 0.04 * 0.95
    assert gaps[2] >= 0.08 * 0.95
    assert camera.sources[0].closed


def test_a_video_file_plays_to_its_end_and_is_not_reopened(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    write_qr_video(path, "END", frames=10, code_from=3, code_to=6)
    opens: list[FrameSource] = []

    def open_clip() -> FrameSource:
        opens.append(open_source(str(path), fps=200))
        return opens[-1]

    grabber = FrameGrabber(open_clip, name="clip").start()
    try:
        assert grabber.ended.wait(10)
    finally:
        grabber.stop()
    assert len(opens) == 1
    assert grabber.health().state is CameraState.ENDED
    assert grabber.health().frames == 10
