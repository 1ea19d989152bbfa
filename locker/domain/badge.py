"""Courier badge QR codes: a signed token naming the courier, revocable by reissuing it.

Layout: ``CB1:<courier id>:<nonce>:<signature>``. The store keeps only a hash of the nonce,
so a lost badge is revoked by issuing a new one; a badge also expires (`badge_valid_days`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from locker.domain.errors import DomainError, DomainRefusal
from locker.domain.signing import SIGNATURE_CHARS, sign, signature_matches

PREFIX = "CB1"
_PATTERN = re.compile(
    rf"CB1:([0-9]{{1,9}}):([A-Za-z0-9_-]{{16}}):([A-Za-z0-9_-]{{{SIGNATURE_CHARS}}})"
)


class BadgeError(DomainError):
    """The scanned text is not a valid badge of this locker."""


@dataclass(frozen=True)
class Badge:
    """A courier badge: the QR text, and the hash of its nonce that the store keeps."""

    text: str
    token_hash: str


def token_hash(nonce: str) -> str:
    """Hash of a badge nonce, as stored."""
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


def issue(secret: bytes, courier_id: int) -> Badge:
    """A new badge for a courier; it replaces any earlier one once stored."""
    if not 0 < courier_id < 10**9:
        raise BadgeError(
            "courier ids on badges are 1 to 9 digits", code=DomainRefusal.BADGE_COURIER_ID
        )
    nonce = secrets.token_urlsafe(12)
    unsigned = f"{PREFIX}:{courier_id}:{nonce}"
    return Badge(f"{unsigned}:{sign(secret, unsigned)}", token_hash(nonce))


def read(secret: bytes, text: str) -> tuple[int, str]:
    """Return (courier id, nonce hash) of a genuine badge, else raise BadgeError."""
    match = _PATTERN.fullmatch(text.strip())
    if not match:
        raise BadgeError("this is not a courier badge", code=DomainRefusal.BADGE_UNREADABLE)
    courier, nonce, signature = match.groups()
    if not signature_matches(secret, f"{PREFIX}:{courier}:{nonce}", signature):
        raise BadgeError(
            "this badge was not issued by this locker", code=DomainRefusal.BADGE_FOREIGN
        )
    return int(courier), token_hash(nonce)


def still_valid(issued_at: datetime | None, now: datetime, valid_for: timedelta) -> bool:
    """True while a badge issued at `issued_at` is young enough to log in."""
    return issued_at is not None and now < issued_at + valid_for
