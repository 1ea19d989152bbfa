"""Salted scrypt hashes for courier PINs and admin passwords."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from locker.domain import passwords
from locker.domain.errors import InvalidInputError
from locker.domain.passwords import (
    hash_secret,
    new_pin_due,
    validate_password,
    validate_pin,
    verify_secret,
)

# scrypt costs ~50 ms a call on purpose, so the tests hash once and share it.
PASSWORD = "correct-horse"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_secret(PASSWORD)


def test_the_right_secret_verifies(stored: str) -> None:
    assert verify_secret(PASSWORD, stored)


@pytest.mark.parametrize("attempt", ["", "correct-hors", "Correct-horse", "correct-horse "])
def test_a_wrong_secret_does_not_verify(stored: str, attempt: str) -> None:
    assert not verify_secret(attempt, stored)


def test_the_hash_describes_itself_and_does_not_hold_the_secret(stored: str) -> None:
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert salt and digest
    assert PASSWORD not in stored


def test_the_same_secret_hashes_differently_each_time(stored: str) -> None:
    again = hash_secret(PASSWORD)
    assert again != stored
    assert verify_secret(PASSWORD, again)


def test_a_non_ascii_secret_round_trips() -> None:
    stored = hash_secret("pässwörd-密码")
    assert verify_secret("pässwörd-密码", stored)
    assert not verify_secret("passwort-密码", stored)


SALT, DIGEST = "c2FsdHNhbHRzYWx0c2FsdA==", "ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk="


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "$$$$$",
        f"md5$16384$8$1${SALT}${DIGEST}",
        f"scrypt$16384$8$1${SALT}",  # a field short
        f"scrypt$16384$8$1${SALT}${DIGEST}$extra",
        f"scrypt$n$8$1${SALT}${DIGEST}",
        f"scrypt$16384$8$1$!!!${DIGEST}",  # salt not base64
        f"scrypt$16384$8$1${SALT}$not base64!",
        f"scrypt$16384$8$1${SALT}$é",
        f"scrypt$3$8$1${SALT}${DIGEST}",  # n not a power of two
        f"scrypt$0$8$1${SALT}${DIGEST}",
        f"scrypt$-16384$8$1${SALT}${DIGEST}",
        f"scrypt$16384$0$1${SALT}${DIGEST}",
        f"scrypt$16384$8$0${SALT}${DIGEST}",
        f"scrypt${'9' * 30}$8$1${SALT}${DIGEST}",  # too big for C
        f"scrypt$1048576$8$1${SALT}${DIGEST}",  # over scrypt's memory limit
        f"scrypt$2$1$1${SALT}${DIGEST}",  # cheap and well formed, but not this secret
        "scrypt$2$1$1$$",
    ],
)
def test_a_garbage_stored_hash_is_refused_without_raising(garbage: str) -> None:
    assert verify_secret(PASSWORD, garbage) is False


@settings(max_examples=200)
@given(st.text(max_size=120))
def test_no_stored_text_makes_verify_raise(garbage: str) -> None:
    assert verify_secret(PASSWORD, garbage) is False


@pytest.mark.parametrize("pin", ["000000", "246813", "123456789012"])
def test_a_pin_of_6_to_12_digits_is_accepted(pin: str) -> None:
    assert validate_pin(pin) == pin


@pytest.mark.parametrize(
    "pin", ["", "123", "2468", "12345", "1234567890123", "12a456", "12 345", "١٢٣٤٥٦", "-12345"]
)
def test_a_pin_that_is_not_6_to_12_ascii_digits_is_refused(pin: str) -> None:
    with pytest.raises(InvalidInputError, match="6 to 12 digits"):
        validate_pin(pin)


@pytest.mark.parametrize(("pin", "due"), [("2468", True), ("12345", True), ("246813", False)])
def test_a_pin_shorter_than_today_s_rule_must_be_replaced(pin: str, due: bool) -> None:
    assert new_pin_due(pin) is due


def test_no_account_costs_one_scrypt_like_a_real_one(monkeypatch, stored: str) -> None:
    calls: list[tuple[int, int, int]] = []
    real = passwords._derive

    def counting(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        calls.append((n, r, p))
        return real(secret, salt, n, r, p)

    monkeypatch.setattr(passwords, "_derive", counting)
    assert verify_secret(PASSWORD, stored)
    assert verify_secret(PASSWORD, None) is False
    assert len(calls) == 2 and calls[0] == calls[1]


@pytest.mark.parametrize("password", ["12345678", "correct-horse", "密码密码密码密码"])
def test_a_password_of_8_characters_or_more_is_accepted(password: str) -> None:
    assert validate_password(password) == password


@pytest.mark.parametrize("password", ["", "1234567", "short"])
def test_a_password_under_8_characters_is_refused(password: str) -> None:
    with pytest.raises(InvalidInputError, match="at least 8 characters"):
        validate_password(password)


def test_a_password_over_1024_characters_is_refused() -> None:
    assert validate_password("x" * passwords.MAX_PASSWORD_CHARS)
    with pytest.raises(InvalidInputError, match="at most 1024 characters"):
        validate_password("x" * (passwords.MAX_PASSWORD_CHARS + 1))


def test_a_secret_longer_than_any_password_is_never_hashed_whole(monkeypatch) -> None:
    long = "x" * 10_000
    stored = hash_secret(long)  # as a doctored database might hold
    hashed: list[int] = []
    real = passwords._derive

    def measuring(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        hashed.append(len(secret))
        return real(secret, salt, n, r, p)

    monkeypatch.setattr(passwords, "_derive", measuring)
    assert verify_secret(long, stored) is False
    assert hashed == [passwords.MAX_PASSWORD_CHARS], "one scrypt run, as for a wrong secret"
