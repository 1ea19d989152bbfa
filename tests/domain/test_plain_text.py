"""Text people type that the locker stores: one line, bounded, with no control characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.errors import InvalidInputError
from locker.domain.plain_text import is_one_line, one_line


@pytest.mark.parametrize(
    "text",
    ["Li Wei", "  SF Express  ", "王芳", "Zoë O'Brien-Núñez", "door jammed, see photo", "x" * 64],
)
def test_one_line_of_text_is_kept_stripped(text: str) -> None:
    assert one_line(text, "the name", 64) == text.strip()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   ", "blank"),
        ("x" * 65, "too long"),
        ("Li\x00", "a NUL"),
        ("Li\r\nforged: line", "CR/LF"),
        ("Li\nWei", "a line feed"),
        ("Li\tWei", "a tab"),
        ("\x1b[2JLi", "an escape sequence"),
        ("Li\x7f", "DEL"),
        ("Li\x85Wei", "a C1 next-line"),
        ("Li\u2028Wei", "a line separator"),
        ("Li\u2029Wei", "a paragraph separator"),
        ("\u202egnp.exe", "a bidi override"),
        ("Li\u2066Wei\u2069", "a bidi isolate"),
    ],
)
def test_text_that_is_not_one_line_that_fits_is_refused(text: str, why: str) -> None:
    with pytest.raises(InvalidInputError, match="the name must be 1 to 64 characters on one line"):
        one_line(text, "the name", 64)


def test_an_optional_field_may_be_empty() -> None:
    assert one_line("  ", "the address", 200, min_chars=0) == ""


@given(st.text())
def test_what_one_line_keeps_holds_no_control_character(text: str) -> None:
    try:
        kept = one_line(text, "the text", 100)
    except InvalidInputError:
        assert not (text.strip() and is_one_line(text, 100))
        return
    assert 1 <= len(kept) <= 100
    assert not any(ch in kept for ch in "\x00\r\n\x1b\u2028\u202e")
