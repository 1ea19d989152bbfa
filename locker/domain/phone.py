"""Recipients' phone numbers: validation and the masking used on every screen and log line."""

from __future__ import annotations

import hashlib
import hmac
import re

from locker.domain.errors import DomainRefusal, InvalidInputError

# The recipient types these many last digits of their phone number at the keypad.
ENDING_DIGITS = 4
# Mainland mobile numbers are 11 digits; the pattern also admits international numbers.
_PHONE = re.compile(r"\+?[0-9]{8,15}")
# In free text, a phone is a run of 8-15 digits (optionally after +), or a mainland mobile
# written in 3-4-4 groups with spaces or dashes, optionally after +86.
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:\+?[0-9]{8,15}|(?:\+?86[ -])?1[0-9]{2}[ -][0-9]{4}[ -][0-9]{4})(?![0-9])"
)


def normalise_phone(text: str) -> str:
    """Digits of a typed phone number (spaces and dashes dropped), or InvalidInputError."""
    compact = re.sub(r"[\s-]", "", text)
    if not _PHONE.fullmatch(compact):
        raise InvalidInputError("a phone number is 8 to 15 digits", code=DomainRefusal.PHONE_FORMAT)
    return compact


def phone_ending(text: str) -> str:
    """The last four digits of a phone number as typed at the keypad, or InvalidInputError."""
    digits = re.sub(r"[\s-]", "", text)
    if len(digits) != ENDING_DIGITS or not (digits.isascii() and digits.isdigit()):
        raise InvalidInputError(
            "type the last four digits of the phone number",
            code=DomainRefusal.PHONE_ENDING_FORMAT,
        )
    return digits


def ends_with(phone: str | None, ending: str) -> bool:
    """True when a stored phone number ends in these four digits."""
    return phone is not None and phone.endswith(ending)


def phone_key(site_key: bytes, phone: str) -> str:
    """A name for one phone number that tells nothing without the locker's secret.

    Failure budgets and their audit records are named by it, so neither holds the number.
    """
    digest = hmac.new(site_key, b"phone:" + phone.encode("ascii"), hashlib.sha256)
    return digest.hexdigest()[:32]


def _mask_digits(written: str) -> str:
    """Star every digit but the first three and the last four, keeping '+', spaces and '-'."""
    total = sum(ch.isdigit() for ch in written)
    seen, out = 0, []
    for ch in written:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= 3 or seen > total - 4 else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits, the rest starred."""
    if not phone:
        return ""
    if sum(ch.isdigit() for ch in phone) < 8:
        return "*" * len(phone)
    return _mask_digits(phone)


def mask_phones_in(text: str) -> str:
    """Mask every phone number inside free text."""
    return _PHONE_IN_TEXT.sub(lambda m: _mask_digits(m.group(0)), text)
