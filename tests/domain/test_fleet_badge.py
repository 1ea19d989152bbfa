"""Fleet couriers' badges: made at the centre, read at every locker of the fleet."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from locker.domain.badge import (
    BadgeError,
    fleet_badge_text,
    is_badge_text,
    issue,
    issue_fleet,
    read,
    still_valid,
    token_hash,
)

SECRET = b"this locker's secret"
OTHER_SECRET = b"another locker's secret"
NONCE = "AbCdEfGh_-123456"
# What a courier grant lets in as a badge's hash (locker/wire/courier_grants.py).
GRANT_BADGE_HASH = re.compile(r"[0-9a-f]{64}")


@pytest.mark.parametrize("courier_id", [10_000_000, 10_000_001, 99_999_999])
def test_a_fleet_badge_is_cf1_eight_digits_and_its_nonce(courier_id: int) -> None:
    assert fleet_badge_text(courier_id, NONCE) == f"CF1:{courier_id}:{NONCE}"


def test_every_locker_reads_a_fleet_badge_as_its_courier_and_the_nonce_hash() -> None:
    text = fleet_badge_text(10_000_001, NONCE)
    assert read(SECRET, text) == (10_000_001, token_hash(NONCE))
    assert read(OTHER_SECRET, f" {text}\r\n") == (10_000_001, token_hash(NONCE))


def test_a_new_fleet_badge_has_a_fresh_96_bit_nonce_and_a_hash_a_grant_carries() -> None:
    first, second = issue_fleet(10_000_001), issue_fleet(10_000_001)
    prefix, courier, nonce = first.text.split(":")
    assert (prefix, courier, len(nonce)) == ("CF1", "10000001", 16)
    assert first.token_hash == token_hash(nonce) and nonce not in first.token_hash
    assert GRANT_BADGE_HASH.fullmatch(first.token_hash)
    assert first.text != second.text and first.token_hash != second.token_hash
    assert read(SECRET, first.text) == (10_000_001, first.token_hash)


@pytest.mark.parametrize(
    ("courier_id", "nonce"),
    [
        (1, NONCE),  # a locker's own courier: its badges are signed by the locker
        (9_999_999, NONCE),
        (100_000_000, NONCE),
        (10_000_001, NONCE[:-1]),
        (10_000_001, NONCE + "A"),
        (10_000_001, "AbCdEfGh:-123456"),
        (10_000_001, "ÄbCdEfGh_-123456"),
    ],
)
def test_the_centre_cannot_make_a_fleet_badge_for_a_local_id_or_a_bad_nonce(
    courier_id: int, nonce: str
) -> None:
    with pytest.raises(BadgeError):
        fleet_badge_text(courier_id, nonce)


@pytest.mark.parametrize(
    "text",
    [
        "CF1:00000007:AbCdEfGh_-123456",  # a local id written in eight digits
        "CF1:09999999:AbCdEfGh_-123456",
        "CF1:1000000:AbCdEfGh_-123456",  # seven digits
        "CF1:100000001:AbCdEfGh_-123456",  # nine digits
        "CF1:10000001:AbCdEfGh_-12345",  # fifteen-character nonce
        "CF1:10000001:AbCdEfGh_-1234567",
        "CF1:10000001:AbCdEfGh_-123456:AAAAAAAAAAAAAA",  # a signature where none belongs
        "CF1:10000001:ÄbCdEfGh_-123456",
        "CF2:10000001:AbCdEfGh_-123456",
        "CF1:",
    ],
)
def test_text_that_is_not_a_fleet_badge_is_refused(text: str) -> None:
    with pytest.raises(BadgeError, match="not a courier badge"):
        read(SECRET, text)


def test_a_badge_the_locker_signed_for_a_fleet_courier_still_reads() -> None:
    badge = issue(SECRET, 10_000_001)
    assert badge.text.startswith("CB1:10000001:")
    assert read(SECRET, badge.text) == (10_000_001, badge.token_hash)


@pytest.mark.parametrize(
    ("text", "is_badge"),
    [
        ("CB1:7:x:y", True),
        ("CF1:10000001:x", True),
        ("PL1:TEST-01:1:0:AAAAAAAAAAAAAA", False),
        ("CF1", False),
        ("SF0000000001", False),
    ],
)
def test_a_scan_or_a_typed_text_is_taken_for_a_badge_by_its_prefix(text, is_badge) -> None:
    assert is_badge_text(text) is is_badge


def test_a_badge_issued_at_the_end_of_time_is_judged_without_overflow() -> None:
    now = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    assert still_valid(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), now, timedelta(days=365))
