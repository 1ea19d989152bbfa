"""Pickup codes: digits drawn at random, kept only as a keyed hash, unique among live parcels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.errors import InvalidInputError
from locker.domain.pickup_code import (
    DEFAULT_LENGTH,
    MAX_DRAWS,
    MAX_LENGTH,
    MIN_LENGTH,
    CodeSource,
    CodeSpaceExhaustedError,
    hash_code,
    issue_code,
    normalise_typed_code,
    random_digits,
)

SITE_KEY = b"site key"
OTHER_KEY = b"another site key"


def _source(*codes: str) -> tuple[list[int], CodeSource]:
    """A code source that hands out `codes` in turn and records the lengths asked for."""
    asked: list[int] = []
    queue: Iterator[str] = iter(codes)

    def draw(length: int) -> str:
        asked.append(length)
        return next(queue)

    return asked, draw


@pytest.mark.parametrize("length", [MIN_LENGTH, DEFAULT_LENGTH, MAX_LENGTH])
def test_an_issued_code_has_length_digits_and_its_hash(length: int) -> None:
    code, digest = issue_code(SITE_KEY, set(), length)
    assert len(code) == length
    assert code.isascii() and code.isdigit()
    assert digest == hash_code(SITE_KEY, code)


def test_the_default_code_is_eight_digits() -> None:
    code, _ = issue_code(SITE_KEY, set())
    assert len(code) == DEFAULT_LENGTH == 8


@pytest.mark.parametrize("length", [0, MIN_LENGTH - 1, MAX_LENGTH + 1])
def test_a_code_length_outside_6_to_12_is_refused(length: int) -> None:
    with pytest.raises(InvalidInputError, match="6 to 12"):
        issue_code(SITE_KEY, set(), length)


@pytest.mark.parametrize("length", [1, 6, 8, 12, 50])
def test_random_digits_gives_that_many_decimal_digits(length: int) -> None:
    digits = random_digits(length)
    assert len(digits) == length
    assert set(digits) <= set("0123456789")


def test_the_hash_is_keyed_by_the_site_key() -> None:
    assert hash_code(SITE_KEY, "12345678") != hash_code(OTHER_KEY, "12345678")
    assert hash_code(SITE_KEY, "12345678") == hash_code(SITE_KEY, "12345678")


@pytest.mark.parametrize("code", ["12345678", "00000000", "987654", "123456789012"])
def test_the_hash_does_not_reveal_the_code(code: str) -> None:
    digest = hash_code(SITE_KEY, code)
    assert len(digest) == 64
    assert code not in digest


def test_a_code_already_taken_is_drawn_again() -> None:
    asked, source = _source("11111111", "22222222")
    taken = {hash_code(SITE_KEY, "11111111")}
    code, digest = issue_code(SITE_KEY, taken, 8, source)
    assert (code, digest) == ("22222222", hash_code(SITE_KEY, "22222222"))
    assert asked == [8, 8]


def test_a_code_source_that_always_collides_exhausts_the_code_space() -> None:
    taken = {hash_code(SITE_KEY, "11111111")}
    draws: list[int] = []

    def always_taken(length: int) -> str:
        draws.append(length)
        return "11111111"

    with pytest.raises(CodeSpaceExhaustedError, match=f"{MAX_DRAWS} draws"):
        issue_code(SITE_KEY, taken, 8, always_taken)
    assert len(draws) == MAX_DRAWS


def test_a_code_taken_under_another_key_is_not_a_collision() -> None:
    _, source = _source("11111111")
    taken = {hash_code(OTHER_KEY, "11111111")}
    assert issue_code(SITE_KEY, taken, 8, source)[0] == "11111111"


codes = st.text("0123456789", min_size=DEFAULT_LENGTH, max_size=DEFAULT_LENGTH)


@given(taken_codes=st.sets(codes, min_size=1, max_size=20), data=st.data())
def test_an_issued_code_never_collides_with_a_taken_one(
    taken_codes: set[str], data: st.DataObject
) -> None:
    taken = {hash_code(SITE_KEY, code) for code in taken_codes}
    # The source mostly repeats taken codes, so the retry path is what gets exercised.
    draws = st.one_of(st.sampled_from(sorted(taken_codes)), codes)

    def source(length: int) -> str:
        return data.draw(draws)

    try:
        code, digest = issue_code(SITE_KEY, taken, DEFAULT_LENGTH, source)
    except CodeSpaceExhaustedError:
        return
    assert code not in taken_codes
    assert digest not in taken
    assert digest == hash_code(SITE_KEY, code)


def test_the_secure_source_avoids_a_crowded_code_space() -> None:
    # 900 of the 1,000,000 six-digit codes taken: the real source must step around them.
    taken_codes = {f"{n:06d}" for n in range(0, 900_000, 1000)}
    taken = {hash_code(SITE_KEY, code) for code in taken_codes}
    for _ in range(50):
        code, _digest = issue_code(SITE_KEY, taken, 6)
        assert code not in taken_codes


@pytest.mark.parametrize(
    ("typed", "length", "code"),
    [
        ("12345678", 8, "12345678"),
        ("1234 5678", 8, "12345678"),
        ("1234-5678", 8, "12345678"),
        (" 12-34 56-78 ", 8, "12345678"),
        ("1234\t5678", 8, "12345678"),
        ("123 456", 6, "123456"),
        ("000000", 6, "000000"),
    ],
)
def test_a_typed_code_may_carry_spaces_and_dashes(typed: str, length: int, code: str) -> None:
    assert normalise_typed_code(typed, length) == code


@pytest.mark.parametrize(
    ("typed", "length"),
    [
        ("", 8),
        ("   ", 8),
        ("1234567", 8),
        ("123456789", 8),
        ("1234567a", 8),
        ("ABCDEFGH", 8),
        ("1234.5678", 8),
        ("１２３４５６７８", 8),  # full-width digits are digits to str.isdigit, not to a keypad
        ("١٢٣٤٥٦٧٨", 8),  # Arabic-Indic digits
        ("+1234567", 8),
    ],
)
def test_a_typed_code_with_letters_or_the_wrong_length_is_refused(typed: str, length: int) -> None:
    with pytest.raises(InvalidInputError, match=f"^a pickup code is {length} digits$"):
        normalise_typed_code(typed, length)
