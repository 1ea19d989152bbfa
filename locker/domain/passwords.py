"""Salted scrypt hashes for courier PINs and admin passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from locker.domain.errors import InvalidInputError

# scrypt parameters: n=2**14, r=8, p=1 costs ~16 MiB and ~50 ms, fine for a login screen.
_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"
MIN_PIN_DIGITS = 4
MIN_PASSWORD_CHARS = 8


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)


def hash_secret(secret: str) -> str:
    """Hash a PIN or password with a fresh salt, in a self-describing string."""
    salt = secrets.token_bytes(16)
    digest = _derive(secret, salt, _N, _R, _P)
    encode = base64.b64encode
    return f"{_SCHEME}${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    """True when `secret` matches a hash made by hash_secret."""
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
    """A courier PIN is 4 to 12 digits."""
    if not (pin.isascii() and pin.isdigit() and MIN_PIN_DIGITS <= len(pin) <= 12):
        raise InvalidInputError(f"a PIN is {MIN_PIN_DIGITS} to 12 digits")
    return pin


def validate_password(password: str) -> str:
    """An admin password has at least 8 characters."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInputError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return password
