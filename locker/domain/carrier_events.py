"""The events a carrier's webhook receives (docs/webhooks.md), read from the audit records that
cause them, so that a locker and a centre build the same event from the same record."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from locker.domain.audit_chain import AuditRecord

DEPOSITED, COLLECTED = "parcel.deposited", "parcel.collected"
RETURNED, EXPIRED = "parcel.returned", "parcel.expired"

# The audit record that causes each event, and the parcel's state after it: a deposit is the
# carrier's news once the door shut. A locker alone sends the four above; a centre sends all,
# since pre-advice, and so its events, exist only in a fleet.
EVENT_OF_RECORD: dict[str, tuple[str, str]] = {
    "parcel.expected": ("parcel.expected", "expected"),
    "parcel.no_space": ("parcel.no_space", "expected"),
    "parcel.shut_in": (DEPOSITED, "deposited"),
    "parcel.reminded": ("parcel.reminded", "deposited"),
    "parcel.collected": (COLLECTED, "collected"),
    "parcel.expired": (EXPIRED, "expired"),
    "parcel.returned": (RETURNED, "returned"),
    "parcel.cancelled": ("parcel.cancelled", "cancelled"),
    "parcel.withdrawn": ("parcel.withdrawn", "cancelled"),
    "parcel.preadvice_expired": ("parcel.preadvice_expired", "cancelled"),
}


def event_id(locker_id: str, seq: int) -> str:
    """The id a carrier dedupes on: the locker and the number of the record that caused it."""
    return f"{locker_id}:{seq}"


def event_body(
    event: str,
    state: str,
    tracking: str,
    carrier: str,
    locker_id: str,
    door: str | None,
    at: datetime,
) -> dict[str, Any]:
    """The webhook's JSON body; `at` is shown with the offset of the locker's time zone."""
    return {
        "type": event,
        "tracking": tracking,
        "carrier": carrier,
        "locker": locker_id,
        "door": door,
        "state": state,
        "at": at.isoformat(timespec="seconds"),
    }


def carrier_event(
    locker_id: str, record: AuditRecord, zone: tzinfo
) -> tuple[str, str, dict[str, Any]] | None:
    """(event id, carrier, body) for a record that a carrier hears of, else None."""
    found = EVENT_OF_RECORD.get(record.action)
    carrier = record.details.get("carrier")
    if found is None or not isinstance(carrier, str) or not carrier:
        return None
    event, state = found
    door = record.details.get("compartment")
    try:
        at = datetime.fromisoformat(record.at).astimezone(zone)
    except ValueError:
        return None
    body = event_body(
        event,
        state,
        record.subject,
        carrier,
        locker_id,
        door if isinstance(door, str) else None,
        at,
    )
    return event_id(locker_id, record.seq), carrier, body
