"""Phone numbers: normalising what people type, and masking them on screens and in logs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.errors import InvalidInputError
from locker.domain.phone import mask_phone, mask_phones_in, normalise_phone


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
