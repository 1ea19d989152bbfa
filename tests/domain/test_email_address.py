"""Recipients' e-mail addresses: read as typed, and masked wherever a screen shows one."""

from __future__ import annotations

import pytest

from locker.domain.email_address import mask_email, mask_emails_in, normalise_email
from locker.domain.errors import InvalidInputError


def test_an_address_keeps_its_name_and_lowers_its_domain():
    assert normalise_email("  Wang.Fang@Example.COM ") == "Wang.Fang@example.com"
    assert normalise_email("") is None


@pytest.mark.parametrize("typed", ["wang.fang@", "@example.com", "wang fang@example.com", "a@b"])
def test_what_is_no_address_is_refused(typed):
    with pytest.raises(InvalidInputError):
        normalise_email(typed)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("wang.fang@example.com", "w***@example.com"),
        ("w@example.com", "w***@example.com"),
        ("", ""),
        ("no-at-sign", "**********"),
    ],
)
def test_an_address_is_masked_to_its_first_letter_and_domain(address, masked):
    assert mask_email(address) == masked


def test_every_address_in_a_providers_error_is_masked():
    error = "550 <wang.fang@example.com>: no such user; cc li@example.org"
    assert mask_emails_in(error) == "550 <w***@example.com>: no such user; cc l***@example.org"
