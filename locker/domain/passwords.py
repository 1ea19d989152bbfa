"""Salted scrypt hashes for courier PINs and admin passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from locker.domain.errors import DomainRefusal, InvalidInputError

# scrypt parameters: n=2**14, r=8, p=1 costs ~16 MiB and ~50 ms, fine for a login screen.
_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"
# An account that does not exist is checked against this salt, at the same cost.
_NO_ACCOUNT_SALT = b"no such account!"
# Six digits: a million PINs, against an account budget of five wrong ones a quarter hour.
MIN_PIN_DIGITS = 6
MAX_PIN_DIGITS = 12
MIN_PASSWORD_CHARS = 8
# Far beyond any password a person types; a longer one is refused before it is hashed.
MAX_PASSWORD_CHARS = 1024


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)


def hash_secret(secret: str) -> str:
    """Hash a PIN or password with a fresh salt, in a self-describing string."""
    salt = secrets.token_bytes(16)
    digest = _derive(secret, salt, _N, _R, _P)
    encode = base64.b64encode
    return f"{_SCHEME}${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_secret(secret: str, stored: str | None) -> bool:
    """True when `secret` matches a hash made by hash_secret.

    `None` (no such account, or a disabled one) runs scrypt all the same and is False, so the
    time a login takes never tells who exists. A secret longer than any that can be set is
    False too, and only its first `MAX_PASSWORD_CHARS` characters are hashed.
    """
    if stored is None or len(secret) > MAX_PASSWORD_CHARS:
        # The same cost as a real comparison, spent on nothing a client sent in bulk.
        _derive(secret[:MAX_PASSWORD_CHARS], _NO_ACCOUNT_SALT, _N, _R, _P)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        if (int(n), int(r), int(p)) != (_N, _R, _P):
            # Only our own cost parameters: a doctored hash must not make a login crawl.
            return False
        expected = base64.b64decode(digest)
        actual = _derive(secret, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def validate_pin(pin: str) -> str:
    """A new courier PIN is 6 to 12 digits."""
    if not (pin.isascii() and pin.isdigit() and MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS):
        raise InvalidInputError(
            f"a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits",
            code=DomainRefusal.PIN_FORMAT,
            least=MIN_PIN_DIGITS,
            most=MAX_PIN_DIGITS,
        )
    return pin


def new_pin_due(pin: str) -> bool:
    """True for a PIN set under the old, shorter rule: it logs in, then must be replaced."""
    return len(pin) < MIN_PIN_DIGITS


def validate_password(password: str) -> str:
    """An admin password has 8 to 1024 characters."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInputError(
            f"a password needs at least {MIN_PASSWORD_CHARS} characters",
            code=DomainRefusal.PASSWORD_TOO_SHORT,
            least=MIN_PASSWORD_CHARS,
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInputError(
            f"a password has at most {MAX_PASSWORD_CHARS} characters",
            code=DomainRefusal.PASSWORD_TOO_LONG,
            most=MAX_PASSWORD_CHARS,
        )
    return password
