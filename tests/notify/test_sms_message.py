"""What every SMS channel reads from a message: the phone as the locker stores it, in E.164."""

from __future__ import annotations

import pytest

from locker.notify.sms_message import e164, is_phone


@pytest.mark.parametrize(
    ("stored", "international"),
    [
        ("13812345678", "+8613812345678"),  # a mainland mobile: +86 added
        ("+8613812345678", "+8613812345678"),
        ("+85291234567", "+85291234567"),
        ("85291234", "85291234"),  # no country code to tell: left as stored
    ],
)
def test_e164(stored: str, international: str) -> None:
    assert e164(stored) == international


@pytest.mark.parametrize(
    ("recipient", "phone"),
    [
        ("13812345678", True),
        ("+8613812345678", True),
        ("12345678", True),
        ("123456789012345", True),
        ("1234567", False),
        ("1234567890123456", False),
        ("138-1234-5678", False),  # the locker stores digits only
        ("++8613812345678", False),
        ("someone@example.com", False),
        ("", False),
    ],
)
def test_is_phone(recipient: str, phone: bool) -> None:
    assert is_phone(recipient) is phone
