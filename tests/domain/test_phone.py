"""Phone numbers: normalising what people type, and masking them on screens and in logs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.errors import InvalidInputError
from locker.domain.phone import (
    ends_with,
    mask_phone,
    mask_phones_in,
    normalise_phone,
    phone_ending,
    phone_key,
)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+861******5678"),
        ("12345678", "123*5678"),
        ("123456789012345", "123********2345"),
        ("1234567", "*******"),  # too short to show any digit
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        (" 138 - 1234 - 5678 ", "13812345678"),
        ("138\t1234\t5678", "13812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("12345678", "12345678"),
        ("123456789012345", "123456789012345"),
    ],
)
def test_normalise_phone_drops_spaces_and_dashes(typed: str, phone: str) -> None:
    assert normalise_phone(typed) == phone


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "1234567",  # 7 digits
        "1234567890123456",  # 16 digits
        "1381234567a",
        "phone",
        "+",
        "++8613812345678",
        "138.1234.5678",
        "(138) 1234 5678",
        "86+13812345678",
        "１３８１２３４５６７８",  # full-width digits
    ],
)
def test_normalise_phone_refuses_short_long_or_lettered_numbers(typed: str) -> None:
    with pytest.raises(InvalidInputError, match="8 to 15 digits"):
        normalise_phone(typed)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("call 13812345678 now", "call 138****5678 now"),
        (
            "from 13812345678 to 13987654321.",
            "from 138****5678 to 139****4321.",
        ),
        ("13812345678,13987654321", "138****5678,139****4321"),
        ("tel:+8613812345678;", "tel:+861******5678;"),
        ("phone=13812345678&x=1", "phone=138****5678&x=1"),
        ("手机13812345678已通知", "手机138****5678已通知"),
        ("door A07, code length 8, 1234567 is too short", None),
        ("no digits at all", None),
        ("", None),
    ],
)
def test_mask_phones_in_masks_every_phone_in_free_text(text: str, masked: str | None) -> None:
    assert mask_phones_in(text) == (text if masked is None else masked)


@pytest.mark.parametrize("written", ["138 1234 5678", "138-1234-5678", "+86 138 1234 5678"])
def test_a_phone_written_with_spaces_or_dashes_is_masked_too(written: str) -> None:
    assert "1234" not in mask_phone(written)
    assert "1234" not in mask_phones_in(f"recipient {written} notified")


phones = st.from_regex(r"\+?[0-9]{8,15}", fullmatch=True)


@given(phone=phones)
def test_a_valid_phone_keeps_only_its_first_three_and_last_four_digits(phone: str) -> None:
    assert normalise_phone(phone) == phone
    masked = mask_phone(phone)
    digits = phone.lstrip("+")
    assert len(masked) == len(phone)
    assert masked.lstrip("+")[:3] == digits[:3]
    assert masked[-4:] == digits[-4:]
    assert masked.count("*") == len(digits) - 7


@given(
    phone=phones,
    before=st.sampled_from(["", "to ", "tel:", "a"]),
    after=st.sampled_from(["", " ok", ";", "b"]),
)
def test_a_valid_phone_inside_text_never_survives_masking(
    phone: str, before: str, after: str
) -> None:
    masked = mask_phones_in(f"{before}{phone}{after}")
    assert phone not in masked
    assert masked.startswith(before) and masked.endswith(after)


@pytest.mark.parametrize(
    ("typed", "ending"), [("5678", "5678"), (" 56 78 ", "5678"), ("0000", "0000")]
)
def test_the_last_four_digits_are_read_as_typed_at_the_keypad(typed: str, ending: str) -> None:
    assert phone_ending(typed) == ending


@pytest.mark.parametrize("typed", ["", "567", "56789", "13812345678", "56a8", "５６７８", "²678"])
def test_anything_but_four_digits_is_not_a_phone_ending(typed: str) -> None:
    with pytest.raises(InvalidInputError, match="last four digits"):
        phone_ending(typed)


def test_a_phone_ends_in_its_last_four_digits_only() -> None:
    assert ends_with("13812345678", "5678")
    assert not ends_with("13812345678", "1234")
    assert not ends_with(None, "5678")


def test_a_phones_key_is_keyed_by_the_lockers_secret_and_hides_the_number() -> None:
    key = phone_key(b"k" * 32, "13812345678")
    assert key == phone_key(b"k" * 32, "13812345678")
    assert key != phone_key(b"j" * 32, "13812345678")
    assert key != phone_key(b"k" * 32, "13912345678")
    assert len(key) == 32 and set(key) <= set("0123456789abcdef")
