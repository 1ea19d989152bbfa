"""Pickup QR payloads: versioned, signed, at most 62 bytes, with the locker id in clear.

Layout (ASCII, fields separated by ``:``)::

    PL1:<locker id>:<parcel id, base 36>:<code serial, base 36>:<signature>

The signature covers everything before it. The code serial grows each time a code is
reissued, so a QR from before a reissue is recognised as replaced.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from locker.domain.errors import DomainError, DomainRefusal, InvalidInputError
from locker.domain.signing import SIGNATURE_CHARS, sign, signature_matches
from locker.domain.states import ParcelState

PREFIX = "PL1"
# Byte-mode capacity of QR version 4 at error correction M (ISO/IEC 18004, table 7).
MAX_PAYLOAD_BYTES = 62
LOCKER_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,32}")
_B36 = string.digits + string.ascii_uppercase
# 6 base-36 digits number 2 billion parcels; 2 digits allow 1,295 reissues of one code.
PARCEL_DIGITS, SERIAL_DIGITS = 6, 2
_PARCEL_FIELD = re.compile(rf"[0-9A-Z]{{1,{PARCEL_DIGITS}}}")
_SERIAL_FIELD = re.compile(rf"[0-9A-Z]{{1,{SERIAL_DIGITS}}}")
_SIGNATURE = re.compile(rf"[A-Za-z0-9_-]{{{SIGNATURE_CHARS}}}")


class QrFormatError(DomainError):
    """The scanned text is not a pickup QR of any version this locker reads."""


class QrVerdict(Enum):
    """What a scanned pickup QR amounts to."""

    VALID = "valid"
    FORGED = "forged"
    MALFORMED = "malformed"
    EXPIRED = "expired"
    USED = "used"
    WITHDRAWN = "withdrawn"
    OTHER_LOCKER = "other_locker"
    REPLACED = "replaced"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class QrClaim:
    """The fields a pickup QR carries, before any check."""

    locker_id: str
    parcel_id: int
    serial: int
    signature: str

    @property
    def signed_text(self) -> str:
        """The text the signature covers."""
        return f"{PREFIX}:{self.locker_id}:{to_base36(self.parcel_id)}:{to_base36(self.serial)}"


@dataclass(frozen=True)
class QrCheck:
    """A verdict, with the claim it was reached on when the text could be parsed."""

    verdict: QrVerdict
    claim: QrClaim | None = None

    @property
    def locker_id(self) -> str | None:
        """The locker id the QR names, if it could be read."""
        return self.claim.locker_id if self.claim else None


def to_base36(number: int) -> str:
    """Upper-case base-36 digits of a non-negative integer."""
    if number < 0:
        raise InvalidInputError(
            "base 36 takes non-negative numbers", code=DomainRefusal.QR_NUMBER_RANGE
        )
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
        if number == 0:
            return digits


def validate_locker_id(locker_id: str) -> str:
    """Return the id when it is 1-32 letters, digits or '-', else raise InvalidInputError."""
    if not LOCKER_ID_PATTERN.fullmatch(locker_id):
        raise InvalidInputError(
            "a locker id is 1 to 32 letters, digits or '-'", code=DomainRefusal.LOCKER_ID_FORMAT
        )
    return locker_id


def encode(secret: bytes, locker_id: str, parcel_id: int, serial: int) -> str:
    """Signed payload for one parcel's current code."""
    validate_locker_id(locker_id)
    if not 0 <= parcel_id < 36**PARCEL_DIGITS or not 0 <= serial < 36**SERIAL_DIGITS:
        raise InvalidInputError(
            "parcel id or code serial out of range for a QR payload",
            code=DomainRefusal.QR_NUMBER_RANGE,
        )
    unsigned = QrClaim(locker_id, parcel_id, serial, "").signed_text
    payload = f"{unsigned}:{sign(secret, unsigned)}"
    assert len(payload.encode("ascii")) <= MAX_PAYLOAD_BYTES
    return payload


def parse(data: bytes | str) -> QrClaim:
    """Read the fields of a payload; any other input raises QrFormatError and nothing else."""
    if isinstance(data, bytes):
        data = data.strip()
        if len(data) > MAX_PAYLOAD_BYTES:
            raise QrFormatError("too long to be a pickup QR", code=DomainRefusal.QR_FORMAT)
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise QrFormatError(
                "not a pickup QR: it holds non-ASCII bytes", code=DomainRefusal.QR_FORMAT
            ) from None
    else:
        text = data
    text = text.strip()
    if len(text) > MAX_PAYLOAD_BYTES or not text.isascii():
        raise QrFormatError("not a pickup QR", code=DomainRefusal.QR_FORMAT)
    fields = text.split(":")
    if len(fields) != 5 or fields[0] != PREFIX:
        raise QrFormatError("not a pickup QR", code=DomainRefusal.QR_FORMAT)
    _, locker_id, parcel_field, serial_field, signature = fields
    if not (
        LOCKER_ID_PATTERN.fullmatch(locker_id)
        and _PARCEL_FIELD.fullmatch(parcel_field)
        and _SERIAL_FIELD.fullmatch(serial_field)
        and _SIGNATURE.fullmatch(signature)
    ):
        raise QrFormatError("not a pickup QR: a field is malformed", code=DomainRefusal.QR_FORMAT)
    if any(len(f) > 1 and f.startswith("0") for f in (parcel_field, serial_field)):
        # Only the canonical spelling is accepted, so the signature covers the exact text.
        raise QrFormatError(
            "not a pickup QR: a number is zero-padded", code=DomainRefusal.QR_FORMAT
        )
    return QrClaim(locker_id, int(parcel_field, 36), int(serial_field, 36), signature)


def check_signature(data: bytes | str, own_locker_id: str, secret: bytes) -> QrCheck:
    """First, store-free stage of verification: MALFORMED, OTHER_LOCKER, FORGED or VALID."""
    try:
        claim = parse(data)
    except QrFormatError:
        return QrCheck(QrVerdict.MALFORMED)
    # Another locker's code is named without verifying it: we do not hold its key.
    if claim.locker_id != own_locker_id:
        return QrCheck(QrVerdict.OTHER_LOCKER, claim)
    if not signature_matches(secret, claim.signed_text, claim.signature):
        return QrCheck(QrVerdict.FORGED, claim)
    return QrCheck(QrVerdict.VALID, claim)


def judge_against_parcel(
    check: QrCheck,
    state: ParcelState | None,
    current_serial: int | None,
    expires_at: datetime | None,
    now: datetime,
) -> QrCheck:
    """Second stage: hold a signature-valid claim against the parcel the store has for it."""
    if check.verdict is not QrVerdict.VALID or check.claim is None:
        return check
    if state is None or current_serial is None:
        return QrCheck(QrVerdict.UNKNOWN, check.claim)
    if state is ParcelState.COLLECTED:
        return QrCheck(QrVerdict.USED, check.claim)
    if state in (ParcelState.RETURNED, ParcelState.CANCELLED):
        return QrCheck(QrVerdict.WITHDRAWN, check.claim)
    if check.claim.serial != current_serial:
        return QrCheck(QrVerdict.REPLACED, check.claim)
    if state is ParcelState.EXPIRED or (expires_at is not None and now >= expires_at):
        return QrCheck(QrVerdict.EXPIRED, check.claim)
    if state is not ParcelState.DEPOSITED:
        return QrCheck(QrVerdict.UNKNOWN, check.claim)
    return check
