"""Courier badges: signed by this locker, revocable by issuing a new one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.badge import BadgeError, issue, read, still_valid, token_hash
from locker.domain.signing import sign

SECRET = b"this locker's secret"
OTHER_SECRET = b"another locker's secret"


def _fields(text: str) -> list[str]:
    return text.split(":")


@pytest.mark.parametrize("courier_id", [1, 7, 42, 999_999_999])
def test_a_badge_reads_back_as_its_courier_and_token_hash(courier_id: int) -> None:
    badge = issue(SECRET, courier_id)
    assert read(SECRET, badge.text) == (courier_id, badge.token_hash)


def test_a_badge_is_cb1_courier_nonce_signature() -> None:
    badge = issue(SECRET, 7)
    prefix, courier, nonce, signature = _fields(badge.text)
    assert (prefix, courier) == ("CB1", "7")
    assert badge.token_hash == token_hash(nonce)
    assert signature == sign(SECRET, f"CB1:7:{nonce}")
    assert nonce not in badge.token_hash


def test_reissuing_gives_a_new_nonce_so_the_old_badge_can_be_revoked() -> None:
    first, second = issue(SECRET, 7), issue(SECRET, 7)
    assert first.text != second.text
    assert first.token_hash != second.token_hash


def test_surrounding_whitespace_from_the_scanner_is_ignored() -> None:
    badge = issue(SECRET, 7)
    assert read(SECRET, f"  {badge.text}\r\n") == (7, badge.token_hash)


def test_a_badge_from_another_locker_is_refused() -> None:
    with pytest.raises(BadgeError, match="not issued by this locker"):
        read(SECRET, issue(OTHER_SECRET, 7).text)


def _tampered_signature(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def _other_courier(text: str) -> str:
    prefix, _, nonce, signature = _fields(text)
    return f"{prefix}:8:{nonce}:{signature}"


def _other_nonce(text: str) -> str:
    prefix, courier, nonce, signature = _fields(text)
    return f"{prefix}:{courier}:{nonce[::-1]}:{signature}"


@pytest.mark.parametrize(
    "forge", [_tampered_signature, _other_courier, _other_nonce], ids=lambda f: f.__name__
)
def test_a_forged_badge_is_refused(forge: Callable[[str], str]) -> None:
    text = issue(SECRET, 7).text
    forged = forge(text)
    assert forged != text
    with pytest.raises(BadgeError, match="not issued by this locker"):
        read(SECRET, forged)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "CB2:7:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAA",
        "CB1:seven:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAA",
        "CB1:1234567890:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAA",  # ten-digit courier id
        "CB1:7:AAAAAAAAAAAAAAA:AAAAAAAAAAAAAA",  # fifteen-character nonce
        "CB1:7:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAA",  # thirteen-character signature
        "CB1:7:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAA:extra",
        "CB1:7:ÄAAAAAAAAAAAAAAA:AAAAAAAAAAAAAA",
        "PL1:TEST-01:1:0:AAAAAAAAAAAAAA",  # a pickup QR is not a badge
    ],
)
def test_text_that_is_not_a_badge_is_refused(text: str) -> None:
    with pytest.raises(BadgeError, match="not a courier badge"):
        read(SECRET, text)


@given(st.text(max_size=80))
def test_reading_any_text_refuses_it_with_a_badge_error(text: str) -> None:
    with pytest.raises(BadgeError):
        read(SECRET, text)


ISSUED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("issued", "now", "valid"),
    [
        (ISSUED, ISSUED, True),
        (ISSUED, ISSUED + timedelta(days=364, hours=23), True),
        (ISSUED, ISSUED + timedelta(days=365), False),
        (ISSUED, ISSUED + timedelta(days=900), False),
        (None, ISSUED, False),  # a badge with no issue date was never issued here
    ],
)
def test_a_badge_is_current_until_its_validity_runs_out(issued, now, valid) -> None:
    assert still_valid(issued, now, timedelta(days=365)) is valid
