"""Recipients' phone numbers: validation and the masking used on every screen and log line."""

from __future__ import annotations

import re

from locker.domain.errors import InvalidInputError

# Mainland mobile numbers are 11 digits; the pattern also admits international numbers.
_PHONE = re.compile(r"\+?[0-9]{8,15}")
# Any run of 8-15 digits (optionally with +) in free text is treated as a phone number.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(\+?)([0-9]{3})([0-9]{1,8})([0-9]{4})(?![0-9])")


def normalise_phone(text: str) -> str:
    """Digits of a typed phone number (spaces and dashes dropped), or InvalidInputError."""
    compact = re.sub(r"[\s-]", "", text)
    if not _PHONE.fullmatch(compact):
        raise InvalidInputError("a phone number is 8 to 15 digits")
    return compact


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits, the rest starred."""
    if not phone:
        return ""
    return mask_phones_in(phone) if len(phone) >= 8 else "*" * len(phone)


def mask_phones_in(text: str) -> str:
    """Mask every phone-number-like run of digits inside free text."""
    return _PHONE_IN_TEXT.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{'*' * len(m.group(3))}{m.group(4)}", text
    )
