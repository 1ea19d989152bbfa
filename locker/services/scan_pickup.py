"""A code seen by the camera or a scanner module at the home screen: open its parcel's door."""

from __future__ import annotations

from dataclasses import dataclass

from locker.domain import qr_payload
from locker.services.collect_parcel import PickupResult, collect_by_qr
from locker.services.context import LockerContext
from locker.services.errors import CodeRejectedError, DoorDidNotOpenError


@dataclass(frozen=True)
class ScanOutcome:
    """What the screen says after a scan: the door that opened, or why none did.

    `reason` names the refusal for the screens to word in their language: a QR verdict
    ("unknown", "expired", "other_locker", ...), "door" or "not_pickup".
    """

    opened: str | None
    message: str
    result: PickupResult | None = None
    reason: str | None = None
    door: str | None = None
    other_locker: str | None = None


def pickup_by_scan(ctx: LockerContext, text: str) -> ScanOutcome:
    """Treat a scanned text as a pickup QR; every refusal comes back as a message, not a raise."""
    if not text.startswith(qr_payload.PREFIX + ":"):
        message = "this is not a pickup code: show the QR code from your message"
        return ScanOutcome(None, message, reason="not_pickup")
    try:
        result = collect_by_qr(ctx, text)
    except CodeRejectedError as refusal:
        return ScanOutcome(
            None, str(refusal), reason=refusal.verdict.value, other_locker=refusal.locker_id
        )
    except DoorDidNotOpenError as failure:
        return ScanOutcome(None, str(failure), reason="door", door=failure.compartment)
    message = f"door {result.compartment} is open: take your parcel and close the door"
    return ScanOutcome(result.compartment, message, result)
