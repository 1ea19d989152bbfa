"""The synthetic kiosk set is deterministic, covers every condition, and carries its answers."""

from __future__ import annotations

import numpy as np
import pytest

from locker.scanner.decoding import FrameDecoder
from locker.scanner.synthetic import CONDITIONS, FRAME_SIZES, kiosk_set, make_sample


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("size", FRAME_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_sample_is_rebuilt_identically_from_its_seed(
    condition: str, size: tuple[int, int]
) -> None:
    first, again = make_sample(7, condition, size), make_sample(7, condition, size)
    assert np.array_equal(first.image, again.image)
    assert first.expected == again.expected
    assert first.size == size and first.image.dtype == np.uint8 and first.image.shape[2] == 3
    assert first.condition == condition


def test_different_seeds_give_different_frames() -> None:
    assert not np.array_equal(
        make_sample(1, "clean", (640, 480)).image, make_sample(2, "clean", (640, 480)).image
    )


def test_the_set_has_every_condition_at_every_size() -> None:
    samples = list(kiosk_set(1))
    assert {(s.condition, s.size) for s in samples} == {
        (c, z) for c in CONDITIONS for z in FRAME_SIZES
    }


def test_an_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        make_sample(0, "fog", (640, 480))


@pytest.mark.parametrize("condition", ["clean", "dark_mode", "mirrored", "rotation", "tilt"])
def test_the_pipeline_reads_the_easier_conditions(condition: str) -> None:
    decoder = FrameDecoder()
    for sample in kiosk_set(2, conditions=(condition,)):
        assert sample.expected in [c.text for c in decoder.decode(sample.image)], sample.seed
