"""Pickup codes: random digits, stored only as a keyed hash, unique among live parcels."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Container

from locker.domain.errors import DomainError, DomainRefusal, InvalidInputError

DEFAULT_LENGTH = 8
MIN_LENGTH = 6
MAX_LENGTH = 12
# Far more draws than a locker of a few hundred doors ever needs, yet a bound.
MAX_DRAWS = 50

CodeSource = Callable[[int], str]


class CodeSpaceExhaustedError(DomainError):
    """No unused code was found within the bounded number of draws."""


def random_digits(length: int) -> str:
    """Draw `length` uniformly random decimal digits from the OS's secure generator."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def hash_code(site_key: bytes, code: str) -> str:
    """Keyed hash of a pickup code; the code itself is never stored."""
    return hmac.new(site_key, b"pickup:" + code.encode("ascii"), hashlib.sha256).hexdigest()


def normalise_typed_code(text: str, length: int) -> str:
    """Strip the spaces and dashes people type, and insist on exactly `length` digits."""
    digits = "".join(ch for ch in text if ch not in " -\t")
    if not digits.isdigit() or not digits.isascii() or len(digits) != length:
        raise InvalidInputError(
            f"a pickup code is {length} digits",
            code=DomainRefusal.PICKUP_CODE_FORMAT,
            length=length,
        )
    return digits


def issue_code(
    site_key: bytes,
    taken_hashes: Container[str],
    length: int = DEFAULT_LENGTH,
    source: CodeSource = random_digits,
) -> tuple[str, str]:
    """Draw a code whose hash no live parcel holds; return (code, hash)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise InvalidInputError(
            f"code length must be {MIN_LENGTH} to {MAX_LENGTH} digits",
            code=DomainRefusal.PICKUP_CODE_LENGTH,
            least=MIN_LENGTH,
            most=MAX_LENGTH,
        )
    for _ in range(MAX_DRAWS):
        code = source(length)
        digest = hash_code(site_key, code)
        if digest not in taken_hashes:
            return code, digest
    raise CodeSpaceExhaustedError(
        f"no free pickup code after {MAX_DRAWS} draws", code=DomainRefusal.PICKUP_CODES_EXHAUSTED
    )
