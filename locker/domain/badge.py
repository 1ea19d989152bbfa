"""Courier badge QR codes: a token naming the courier, revocable by reissuing it.

A locker's own badge is ``CB1:<courier id>:<nonce>:<signature>``, signed with its secret. A
fleet courier's badge, made at the centre, is ``CF1:<8-digit fleet id>:<nonce>``: the centre
cannot sign with every locker's secret, so its 96-bit nonce, checked against the hash the
courier's grant carried, is the whole proof. The store keeps only a hash of the nonce, so a
lost badge is revoked by issuing a new one; a badge also expires (`badge_valid_days`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from locker.domain.courier_ids import is_fleet_id
from locker.domain.errors import DomainError, DomainRefusal
from locker.domain.signing import SIGNATURE_CHARS, sign, signature_matches

PREFIX = "CB1"
FLEET_PREFIX = "CF1"
NONCE_BYTES = 12  # 96 bits, 16 URL-safe characters
_NONCE = re.compile(r"[A-Za-z0-9_-]{16}")
_PATTERN = re.compile(
    rf"CB1:([0-9]{{1,9}}):([A-Za-z0-9_-]{{16}}):([A-Za-z0-9_-]{{{SIGNATURE_CHARS}}})"
)
_FLEET_PATTERN = re.compile(r"CF1:([0-9]{8}):([A-Za-z0-9_-]{16})")


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


def fleet_badge_text(courier_id: int, nonce: str) -> str:
    """The QR text of a fleet courier's badge with this nonce (the centre makes it)."""
    if not is_fleet_id(courier_id):
        raise BadgeError(
            "fleet badges are for fleet courier ids", code=DomainRefusal.BADGE_COURIER_ID
        )
    if not _NONCE.fullmatch(nonce):
        raise BadgeError(
            "a badge's nonce is 16 URL-safe characters", code=DomainRefusal.BADGE_UNREADABLE
        )
    return f"{FLEET_PREFIX}:{courier_id}:{nonce}"


def issue_fleet(courier_id: int) -> Badge:
    """A new badge for a fleet courier; a grant carrying its hash makes it the current one."""
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    return Badge(fleet_badge_text(courier_id, nonce), token_hash(nonce))


def is_badge_text(text: str) -> bool:
    """Whether a scanned or typed text is meant as a badge (it may still be refused)."""
    return text.startswith((PREFIX + ":", FLEET_PREFIX + ":"))


def read(secret: bytes, text: str) -> tuple[int, str]:
    """Return (courier id, nonce hash) of a genuine badge, else raise BadgeError.

    A fleet badge is well formed or not: whether its nonce is the courier's current one is
    the store's to say, as for a signed badge.
    """
    text = text.strip()
    fleet = _FLEET_PATTERN.fullmatch(text)
    if fleet and is_fleet_id(int(fleet.group(1))):
        return int(fleet.group(1)), token_hash(fleet.group(2))
    match = _PATTERN.fullmatch(text)
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
    # Subtracted from now, so a badge "issued" near the year 9999 cannot overflow the sum.
    return issued_at is not None and now - valid_for < issued_at
