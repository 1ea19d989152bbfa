"""Plain records the use cases pass around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from locker.domain.errors import DomainRefusal, InvalidInputError
from locker.domain.states import CompartmentState, ParcelState


class Size(Enum):
    """Compartment and parcel sizes, smallest first."""

    S = "S"
    M = "M"
    L = "L"
    XL = "XL"

    @property
    def rank(self) -> int:
        """0 for S up to 3 for XL."""
        return _SIZE_RANKS[self.value]

    @classmethod
    def parse(cls, text: str) -> Size:
        """Size from its letter(s), case-insensitive, or InvalidInputError."""
        try:
            return cls(text.strip().upper())
        except ValueError:
            raise InvalidInputError(
                f"size must be one of S, M, L, XL, not {text!r}",
                code=DomainRefusal.SIZE_UNKNOWN,
                size=text,
            ) from None


_SIZE_RANKS = {"S": 0, "M": 1, "L": 2, "XL": 3}


@dataclass(frozen=True)
class Address:
    """Where a compartment's lock sits on the lock-control bus."""

    bus: str
    board: int
    channel: int


@dataclass(frozen=True)
class Compartment:
    """One door of the cabinet."""

    label: str
    size: Size
    address: Address
    low: bool
    state: CompartmentState
    # When the board last reported the door opening, and shutting, if it ever did.
    door_opened_at: datetime | None = None
    door_closed_at: datetime | None = None


@dataclass(frozen=True)
class Parcel:
    """A parcel as the store holds it; never the plain pickup code."""

    id: int
    tracking: str
    carrier: str
    state: ParcelState
    compartment: str | None
    recipient_phone: str | None
    needs_low: bool
    size: Size | None
    code_serial: int
    deposited_at: datetime | None
    expires_at: datetime | None
    courier_id: int | None
    # The courier asked to undo the deposit: it is undone when the door shuts on an empty box.
    undo_requested_at: datetime | None = None
    recipient_email: str | None = None
    # The recipient's language for messages ("zh", "en"); None: the locker's.
    language: str | None = None
    # When the recipient was first told: the pickup window runs from then.
    notified_at: datetime | None = None
    # When the board first reported its door shut on it after the deposit.
    shut_in_at: datetime | None = None
    # A pre-advised parcel: when its carrier expects it to arrive.
    expected_at: datetime | None = None


@dataclass(frozen=True)
class Courier:
    """A courier account; secrets are held only as hashes."""

    id: int
    carrier: str
    name: str
    active: bool
    # The revision of the centre's grant for a fleet courier; None for the locker's own.
    fleet_revision: int | None = None
