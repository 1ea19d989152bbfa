"""A code seen by the camera or a scanner module at the home screen: open its parcel's door.

A courier's badge is recognised too. What needs the kiosk's browser session (logging the
courier in, opening the recipient's other parcels) is handed over as a one-time ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from locker.domain import badge, qr_payload
from locker.domain.errors import InvalidInputError
from locker.services.accounts import login_by_badge
from locker.services.collect_parcel import PickupResult, collect_by_qr, door_reason
from locker.services.context import LockerContext
from locker.services.deposit_parcel import normalise_tracking
from locker.services.errors import AuthenticationError, CodeRejectedError, DoorDidNotOpenError
from locker.services.scan_tickets import COURIER, MORE, ScanTickets


@dataclass(frozen=True)
class ScanOutcome:
    """What the screen says after a scan: the door that opened, or why none did.

    `reason` names the refusal for the screens to word in their language: a QR verdict
    ("unknown", "expired", "other_locker", ...), "door" (it did not open), "out_of_service"
    (a door out of order, not tried), "unreachable" (its bus was down, nothing was sent),
    "not_pickup" or "badge_refused";
    "badge" is no refusal but a courier's valid badge. `ticket` is the one-time ticket of
    kind `ticket_kind` that the page redeems for what needs its session.
    """

    opened: str | None
    message: str
    result: PickupResult | None = None
    reason: str | None = None
    door: str | None = None
    other_locker: str | None = None
    ticket: str | None = None
    ticket_kind: str | None = None
    # A scan that is no pickup code but reads as a tracking number: a courier's deposit page
    # takes it as the waybill held up to the camera.
    tracking: str | None = None


def pickup_by_scan(
    ctx: LockerContext, text: str, tickets: ScanTickets | None = None
) -> ScanOutcome:
    """Treat a scanned text as a pickup QR or a badge; every refusal is a message, not a raise."""
    # Without `tickets` nothing can be handed to a page: a badge then logs nobody in.
    if badge.is_badge_text(text):
        return _badge_scan(ctx, text, tickets)
    if not text.startswith(qr_payload.PREFIX + ":"):
        message = "this is not a pickup code: show the QR code from your message"
        return ScanOutcome(None, message, reason="not_pickup", tracking=_as_tracking(text))
    try:
        result = collect_by_qr(ctx, text)
    except CodeRejectedError as refusal:
        return ScanOutcome(
            None, str(refusal), reason=refusal.verdict.value, other_locker=refusal.locker_id
        )
    except DoorDidNotOpenError as failure:
        reason = door_reason(failure)
        return ScanOutcome(None, str(failure), reason=reason, door=failure.compartment)
    message = f"door {result.compartment} is open: take your parcel and close the door"
    siblings = sorted({p.id for p in result.more_parcels})
    if not siblings or tickets is None:
        return ScanOutcome(result.compartment, message, result)
    # The same offer the typed code keeps in the session, for `collect_siblings` to check again.
    ticket = tickets.issue(MORE, {"first": result.parcel.id, "ids": siblings})
    return ScanOutcome(result.compartment, message, result, ticket=ticket, ticket_kind=MORE)


def _badge_scan(ctx: LockerContext, text: str, tickets: ScanTickets | None) -> ScanOutcome:
    """A courier's badge: a ticket the screen trades for a courier session, or a refusal."""
    # The messages go to the log: they name neither the courier nor anything on the badge.
    try:
        courier = login_by_badge(ctx, text)
    except AuthenticationError:
        return ScanOutcome(None, "this badge is not valid here", reason="badge_refused")
    if tickets is None:
        message = "a courier badge, but no screen to log the courier in"
        return ScanOutcome(None, message, reason="badge_refused")
    # The badge's hash goes with the ticket, so a badge revoked before the page redeems the
    # ticket logs nobody in.
    _, token_hash = badge.read(ctx.store.locker().secret, text)
    ticket = tickets.issue(COURIER, {"courier": courier.id, "badge": token_hash})
    return ScanOutcome(
        None,
        "a courier badge: the screen logs the courier in",
        reason="badge",
        ticket=ticket,
        ticket_kind=COURIER,
    )


def _as_tracking(text: str) -> str | None:
    """The scanned text as a tracking number, if it can be one."""
    try:
        return normalise_tracking(text)
    except InvalidInputError:
        return None
