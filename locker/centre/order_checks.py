"""A carrier's orders as they arrive: each field checked, or one OrderError with a stable code.

The API hands over whatever JSON it decoded, so every check takes `object` and refuses a wrong
type (a bool is not a number), a huge number, a control character or an overlong text.
"""

from __future__ import annotations

import re
from typing import Any

from locker.centre.carriers import CarrierError, check_carrier_name
from locker.domain.errors import InvalidInputError
from locker.domain.holds import MAX_HOLD_DOORS
from locker.domain.models import Size
from locker.domain.phone import normalise_phone
from locker.wire import fields

# The locker's own rule for a tracking number (services/deposit_parcel.TRACKING_PATTERN).
TRACKING_PATTERN = re.compile(r"[A-Za-z0-9-]{4,40}")
# The hold's id on the locker: what `secrets.token_urlsafe` makes.
RESERVATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
LANGUAGES = ("zh", "en")
MAX_PHONE_CHARS = 32
# A pre-advice announces a parcel at most a month ahead, and at most a day late.
MAX_AHEAD_S = 31 * 24 * 3600
MAX_LATE_S = 24 * 3600
# As the locker takes it.
MAX_HOLD_COUNT = MAX_HOLD_DOORS
MIN_TTL_S = 60
MAX_TTL_S = 24 * 3600


class OrderError(Exception):
    """An order the centre will not take or cannot find; `status` is the HTTP status it means.

    `code` is stable (`invalid.<field>`, `locker.unknown`, `parcel.already_deposited`, ...);
    `extra` carries facts the answer may show, such as the parcel's `state`.
    """

    def __init__(self, code: str, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.status = status
        self.detail = detail
        self.extra = extra


def invalid(field: str, detail: str) -> OrderError:
    """A 422 naming the field."""
    return OrderError(f"invalid.{field}", 422, detail, field=field)


def name(value: object, field: str) -> str:
    """A carrier or locker name: letters, digits and . _ @ -, at most 64."""
    if not isinstance(value, str) or not fields.NAME.fullmatch(value):
        raise invalid(field, f"{field} is 1 to 64 letters, digits and . _ @ -")
    return value


def carrier(value: object) -> str:
    """A carrier's name as its couriers' accounts carry it (`locker fleet carrier add`)."""
    if not isinstance(value, str):
        raise invalid("carrier", "carrier is a name")
    try:
        return check_carrier_name(value)
    except CarrierError as error:
        raise invalid("carrier", str(error)) from None


def tracking(value: object) -> str:
    """A tracking number as the locker takes it: 4 to 40 letters, digits and dashes."""
    if not isinstance(value, str) or not TRACKING_PATTERN.fullmatch(value):
        raise invalid("tracking", "tracking is 4 to 40 letters, digits and dashes")
    return value


def phone(value: object) -> str:
    """The recipient's phone number, its spaces and dashes dropped."""
    if not isinstance(value, str) or len(value) > MAX_PHONE_CHARS:
        raise invalid("phone", "phone is a phone number of 8 to 15 digits")
    try:
        return normalise_phone(value)
    except InvalidInputError:
        raise invalid("phone", "phone is a phone number of 8 to 15 digits") from None


def size(value: object) -> str:
    """A compartment size letter."""
    allowed = [s.value for s in Size]
    if not isinstance(value, str) or value not in allowed:
        raise invalid("size", f"size is one of {', '.join(allowed)}")
    return value


def flag(value: object, field: str) -> bool:
    """true or false, nothing else."""
    if not isinstance(value, bool):
        raise invalid(field, f"{field} is true or false")
    return value


def language(value: object) -> str | None:
    """The recipient's language, or None for the locker's own."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in LANGUAGES:
        raise invalid("language", f"language is one of {', '.join(LANGUAGES)}, or absent")
    return value


def whole(value: object, field: str, least: int, most: int) -> int:
    """A whole number within bounds (a bool or a float is not one)."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise invalid(field, f"{field} is a whole number from {least} to {most}")
    return value


def expected_at(value: object, now: float) -> int:
    """When the parcel should reach the locker, in seconds since the epoch."""
    return whole(value, "expected_at", int(now) - MAX_LATE_S, int(now) + MAX_AHEAD_S)


def reservation_id(value: object) -> str | None:
    """A reservation id as the centre makes them, or None for anything else."""
    if isinstance(value, str) and RESERVATION_ID.fullmatch(value):
        return value
    return None


def mask(phone_number: str | None) -> str | None:
    """Only the last four digits shown: `*******5678`."""
    if phone_number is None:
        return None
    shown = len(phone_number) - 4
    return "".join("*" if ch.isdigit() and i < shown else ch for i, ch in enumerate(phone_number))
