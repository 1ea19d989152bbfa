"""The events a carrier's webhook receives (docs/webhooks.md), read from the audit records that
cause them, so that a locker and a centre build the same event from the same record."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from locker.domain.audit_chain import AuditRecord

DEPOSITED, COLLECTED = "parcel.deposited", "parcel.collected"
RETURNED, EXPIRED = "parcel.returned", "parcel.expired"

# The audit record that causes each event: a deposit is the carrier's news once the door shut.
EVENT_OF_RECORD = {
    "parcel.shut_in": DEPOSITED,
    "parcel.collected": COLLECTED,
    "parcel.expired": EXPIRED,
    "parcel.returned": RETURNED,
}


def event_id(locker_id: str, seq: int) -> str:
    """The id a carrier dedupes on: the locker and the number of the record that caused it."""
    return f"{locker_id}:{seq}"


def event_body(
    event: str, tracking: str, carrier: str, locker_id: str, door: str | None, at: datetime
) -> dict[str, Any]:
    """The webhook's JSON body; `at` is shown with the offset of the locker's time zone."""
    return {
        "type": event,
        "tracking": tracking,
        "carrier": carrier,
        "locker": locker_id,
        "door": door,
        "state": event.split(".", 1)[1],
        "at": at.isoformat(timespec="seconds"),
    }


def carrier_event(
    locker_id: str, record: AuditRecord, zone: tzinfo
) -> tuple[str, str, dict[str, Any]] | None:
    """(event id, carrier, body) for a record that a carrier hears of, else None."""
    event = EVENT_OF_RECORD.get(record.action)
    carrier = record.details.get("carrier")
    if event is None or not isinstance(carrier, str) or not carrier:
        return None
    door = record.details.get("compartment")
    try:
        at = datetime.fromisoformat(record.at).astimezone(zone)
    except ValueError:
        return None
    body = event_body(
        event,
        record.subject,
        carrier,
        locker_id,
        door if isinstance(door, str) else None,
        at,
    )
    return event_id(locker_id, record.seq), carrier, body
