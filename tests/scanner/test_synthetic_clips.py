"""The moving clips are deterministic, move, and know when their code comes into view."""

from __future__ import annotations

import numpy as np
import pytest

from locker.scanner.decode_spread import focus_measure
from locker.scanner.decoding import FrameDecoder, to_gray
from locker.scanner.synthetic_clips import CLIP_FRAMES, CLIP_KINDS, clip_set, make_clip

SIZE = (640, 480)


@pytest.mark.parametrize("kind", CLIP_KINDS)
def test_a_clip_is_rebuilt_identically_from_its_seed(kind: str) -> None:
    first, again = make_clip(3, kind, SIZE), make_clip(3, kind, SIZE)
    assert len(first.frames) == CLIP_FRAMES
    assert all(np.array_equal(a, b) for a, b in zip(first.frames, again.frames, strict=True))
    assert (first.expected, first.appears_at) == (again.expected, again.appears_at)
    assert first.size == SIZE and first.kind == kind


def test_the_set_has_every_kind_at_every_size() -> None:
    clips = list(clip_set(1, sizes=((320, 240), (640, 480))))
    assert {(c.kind, c.size) for c in clips} == {
        (k, z) for k in CLIP_KINDS for z in ((320, 240), (640, 480))
    }


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown clip kind"):
        make_clip(0, "fog", SIZE)


def test_the_hand_brings_the_code_in_after_the_empty_scene() -> None:
    clip = make_clip(5, "hand_in", SIZE)
    decoder = FrameDecoder()
    read = [clip.expected in [c.text for c in decoder.decode(f)] for f in clip.frames]
    assert clip.appears_at >= 2
    assert not any(read[: clip.appears_at])  # a code not wholly in view is never read
    assert any(read[clip.appears_at :])
    # The scene is still before the phone comes: only sensor noise changes.
    first, second = (f.astype(int) for f in clip.frames[:2])
    assert np.abs(first - second).mean() < 4


def test_a_hunting_camera_is_sharp_only_now_and_then() -> None:
    clip = make_clip(2, "focus", SIZE)
    focus = [focus_measure(to_gray(f)) for f in clip.frames[clip.appears_at + 3 :]]
    assert max(focus) > 3 * min(focus)
