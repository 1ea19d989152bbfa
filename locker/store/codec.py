"""Turning rows into domain records and back: times as ISO-8601 UTC text, enums as values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from locker.domain.models import Address, Compartment, Courier, Parcel, Size
from locker.domain.states import CompartmentState, ParcelState


def time_text(moment: datetime | None) -> str | None:
    """A timezone-aware time as sortable UTC text."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored: pass UTC-aware times")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    """The inverse of time_text."""
    return datetime.fromisoformat(text) if text else None


def compartment_from_row(row: dict[str, Any]) -> Compartment:
    """A Compartment from a compartments row."""
    return Compartment(
        label=row["label"],
        size=Size(row["size"]),
        address=Address(row["bus"], row["board"], row["channel"]),
        low=bool(row["low"]),
        state=CompartmentState(row["state"]),
        door_opened_at=parse_time(row.get("door_opened_at")),
        door_closed_at=parse_time(row.get("door_closed_at")),
    )


def parcel_from_row(row: dict[str, Any]) -> Parcel:
    """A Parcel from a parcels row."""
    return Parcel(
        id=row["id"],
        tracking=row["tracking"],
        carrier=row["carrier"],
        state=ParcelState(row["state"]),
        compartment=row["compartment"],
        recipient_phone=row["recipient_phone"],
        needs_low=bool(row["needs_low"]),
        size=Size(row["size"]) if row["size"] else None,
        code_serial=row["code_serial"],
        deposited_at=parse_time(row["deposited_at"]),
        expires_at=parse_time(row["expires_at"]),
        courier_id=row["courier_id"],
        undo_requested_at=parse_time(row.get("undo_requested_at")),
        recipient_email=row.get("recipient_email"),
        language=row.get("language"),
        notified_at=parse_time(row.get("notified_at")),
        shut_in_at=parse_time(row.get("shut_in_at")),
        expected_at=parse_time(row.get("expected_at")),
    )


def courier_from_row(row: dict[str, Any]) -> Courier:
    """A Courier from a couriers row."""
    return Courier(
        row["id"], row["carrier"], row["name"], bool(row["active"]), row.get("fleet_revision")
    )
