"""Truncated HMAC signatures shared by the pickup QR and the courier badge."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.signing import SIGNATURE_CHARS, sign, signature_matches

SECRET = b"site secret"


@given(secret=st.binary(max_size=64), message=st.text(max_size=100))
def test_a_signature_is_14_url_safe_characters(secret: bytes, message: str) -> None:
    signature = sign(secret, message)
    assert len(signature) == SIGNATURE_CHARS == 14
    assert re.fullmatch(r"[A-Za-z0-9_-]{14}", signature)


def test_signing_is_deterministic_and_checks_out() -> None:
    assert sign(SECRET, "PL1:X:1:0") == sign(SECRET, "PL1:X:1:0")
    assert signature_matches(SECRET, "PL1:X:1:0", sign(SECRET, "PL1:X:1:0"))


@pytest.mark.parametrize(
    ("secret", "message"),
    [(b"another secret", "PL1:X:1:0"), (SECRET, "PL1:X:1:1"), (SECRET, "PL1:X:1:0 ")],
    ids=["other secret", "other message", "trailing space"],
)
def test_a_signature_does_not_match_another_secret_or_message(secret: bytes, message: str) -> None:
    signature = sign(SECRET, "PL1:X:1:0")
    assert sign(secret, message) != signature
    assert not signature_matches(secret, message, signature)


@pytest.mark.parametrize("signature", ["", "A" * 14, "A" * 15, "short"])
def test_a_wrong_signature_does_not_match(signature: str) -> None:
    assert not signature_matches(SECRET, "PL1:X:1:0", signature)


def test_a_non_ascii_signature_simply_does_not_match() -> None:
    assert not signature_matches(SECRET, "PL1:X:1:0", "ÄÄÄÄÄÄÄÄÄÄÄÄÄÄ")
