"""Sizes: their order and how they are read from forms and files."""

from __future__ import annotations

import pytest

from locker.domain.errors import InvalidInputError
from locker.domain.models import Size


def test_sizes_rank_from_s_to_xl() -> None:
    assert [s.rank for s in (Size.S, Size.M, Size.L, Size.XL)] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("text", "size"),
    [("S", Size.S), ("m", Size.M), (" L ", Size.L), ("xl", Size.XL), ("Xl\n", Size.XL)],
)
def test_a_size_is_read_case_insensitively(text: str, size: Size) -> None:
    assert Size.parse(text) is size


@pytest.mark.parametrize("text", ["", "XXL", "small", "1", "X L"])
def test_an_unknown_size_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="size must be one of S, M, L, XL"):
        Size.parse(text)
