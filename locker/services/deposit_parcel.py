"""A courier puts a parcel in: allocate, open the door, record the parcel and its code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from locker.domain import qr_payload
from locker.domain.allocation import choose_compartment
from locker.domain.email_address import normalise_email
from locker.domain.errors import DomainRefusal, InvalidInputError
from locker.domain.models import Compartment, Courier, Parcel, Size
from locker.domain.phone import mask_phone, normalise_phone
from locker.domain.pickup_code import issue_code
from locker.domain.states import CompartmentState, ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.door_commands import DoorCommand, claim_door, fire_claimed, move_compartment
from locker.services.errors import (
    DoorBusyError,
    DoorDidNotOpenError,
    NoCompartmentError,
    NotAllowedError,
    NotFoundError,
    ServiceRefusal,
)
from locker.services.hold_doors import doors_kept_from, hold_to_use, use_hold
from locker.services.no_space import report_no_space
from locker.services.outbox import queue_for_recipient

TRACKING_PATTERN = re.compile(r"[A-Za-z0-9-]{4,40}")


@dataclass(frozen=True)
class DepositReceipt:
    """What the courier's screen and the recipient's message need; the only plain code."""

    parcel: Parcel
    compartment: str
    code: str
    qr: str
    # The channels the recipient's message goes out on once the door shuts; none: the code
    # must reach them another way.
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipient:
    """Who the parcel is for, and how to reach them."""

    phone: str
    email: str | None = None
    language: str | None = None


def _language(text: str | None) -> str | None:
    if text in (None, ""):
        return None
    if text not in ("zh", "en"):
        raise InvalidInputError(
            "the recipient's language is zh or en", code=DomainRefusal.LANGUAGE_UNKNOWN
        )
    return text


def normalise_tracking(text: str) -> str:
    """A tracking number as scanned or typed: 4-40 letters, digits or '-', upper-cased."""
    tracking = text.strip().upper()
    if not TRACKING_PATTERN.fullmatch(tracking):
        raise InvalidInputError(
            "a tracking number is 4 to 40 letters, digits or '-'",
            code=ServiceRefusal.TRACKING_FORMAT,
        )
    return tracking


@dataclass(frozen=True)
class _Claim:
    """A reserved door with its journaled unlock, and the pre-advice the deposit fulfils."""

    courier: Courier
    compartment: Compartment
    command: DoorCommand
    op_id: int
    expected: Parcel | None


def _claim(
    ctx: LockerContext,
    courier_id: int,
    tracking: str,
    size: Size,
    low: bool,
    phone_typed: bool,
) -> _Claim:
    """In one transaction: check the courier and the parcel, reserve a door, journal its unlock.

    A second tap of the same deposit finds the first one's command in flight and is refused
    before it can reserve a second door. A parcel the courier's carrier pre-advised is expected,
    not in the locker: its deposit goes on, and its phone serves when the courier types none.
    """
    store = ctx.store
    with store.transaction():
        courier = store.courier(courier_id)
        if courier is None or not courier.active:
            raise NotFoundError(
                "this courier account does not exist or is disabled",
                code=ServiceRefusal.COURIER_INACTIVE,
            )
        existing = store.carrier_parcel(courier.carrier, tracking)
        expected = existing if existing and existing.state is ParcelState.EXPECTED else None
        if not phone_typed and (expected is None or not expected.recipient_phone):
            raise InvalidInputError(
                "a phone number is 8 to 15 digits", code=DomainRefusal.PHONE_FORMAT
            )
        if existing and existing.state in ParcelState.inside():
            where = f" in {existing.compartment}" if existing.compartment else ""
            raise NotAllowedError(
                f"parcel {tracking} is already in this locker{where}",
                code=ServiceRefusal.PARCEL_ALREADY_HERE,
                tracking=tracking,
                compartment=existing.compartment,
            )
        busy = store.door_operation_in_flight(tracking=tracking)
        if busy is not None:
            raise DoorBusyError(
                f"door {busy.compartment} is being opened for parcel {tracking} already",
                busy.compartment,
                code=ServiceRefusal.DOOR_BUSY,
                tracking=tracking,
            )
        # Doors other carriers hold are not this courier's to take (decision 0004).
        free_doors = store.compartments(CompartmentState.FREE)
        kept = doors_kept_from(ctx, courier.carrier, free_doors)
        chosen = choose_compartment(free_doors, size, low, kept)
        if chosen is None:
            low_text = "low " if low else ""
            raise NoCompartmentError(
                f"no free {low_text}compartment of size {size.value} or larger",
                code=ServiceRefusal.NO_FREE_LOW_DOOR if low else ServiceRefusal.NO_FREE_DOOR,
                size=size.value,
            )
        move_compartment(ctx, chosen.label, CompartmentState.RESERVED)
        command = DoorCommand(chosen.label, "deposit", f"courier:{courier_id}", None, tracking)
        op_id = claim_door(ctx, command)
    return _Claim(courier, chosen, command, op_id, expected)


def _tell_no_space(ctx: LockerContext, courier_id: int, tracking: str, size: Size) -> None:
    """No door for a parcel the courier's carrier pre-advised: the carrier hears of it."""
    courier = ctx.store.courier(courier_id)
    parcel = ctx.store.carrier_parcel(courier.carrier, tracking) if courier else None
    if parcel is not None and parcel.state is ParcelState.EXPECTED:
        report_no_space(ctx, parcel, size, None, f"courier:{courier_id}")


def deposit_parcel(
    ctx: LockerContext,
    courier_id: int,
    tracking: str,
    phone: str,
    size: Size,
    needs_low: bool = False,
    *,
    email: str = "",
    language: str | None = None,
) -> DepositReceipt:
    """Deposit one parcel; on any failure no compartment stays reserved and no parcel exists.

    Two commits: the claim (door reserved, unlock journaled) and the settlement (the unlock's
    outcome with, when confirmed, the parcel, its code, its message and its audit record). The
    recipient's messages are held until the board reports the door shut on the parcel.
    """
    tracking = normalise_tracking(tracking)
    typed_phone = normalise_phone(phone) if phone.strip() else None
    email_address, chosen_language = normalise_email(email), _language(language)
    try:
        claim = _claim(ctx, courier_id, tracking, size, needs_low, typed_phone is not None)
    except NoCompartmentError:
        _tell_no_space(ctx, courier_id, tracking, size)
        raise
    expected, compartment = claim.expected, claim.compartment
    # No phone typed: the claim made sure the pre-advice has one.
    recipient = Recipient(
        typed_phone or (expected.recipient_phone if expected else None) or "",
        email_address,
        chosen_language or (expected.language if expected else None),
    )
    fired = fire_claimed(
        ctx,
        claim.op_id,
        compartment,
        claim.command,
        lambda: _record(
            ctx,
            courier_id,
            claim.courier.carrier,
            tracking,
            recipient,
            size,
            needs_low,
            compartment,
        ),
        # Nothing was sent: the door is free again for the next try.
        unsent=lambda: move_compartment(ctx, compartment.label, CompartmentState.FREE),
    )
    if fired.settled is None:
        raise DoorDidNotOpenError(
            f"door {compartment.label} did not open; it is reported for repair. "
            "No parcel was recorded: try again to get another door.",
            compartment.label,
            fired.outcome.value,
            code=ServiceRefusal.DEPOSIT_DOOR_FAILED,
        )
    return fired.settled


def _record(
    ctx: LockerContext,
    courier_id: int,
    carrier: str,
    tracking: str,
    recipient: Recipient,
    size: Size,
    needs_low: bool,
    compartment: Compartment,
) -> DepositReceipt:
    store = ctx.store
    now = ctx.clock.now()
    expires_at = now + ctx.rules.pickup_window
    with store.transaction():  # a savepoint inside the settlement's transaction
        info = store.locker()
        code, code_hash = issue_code(
            info.secret, store.live_code_hashes(), ctx.rules.code_length, ctx.code_source
        )
        # Read again here: the pre-advice may have been withdrawn while the door opened.
        latest = store.carrier_parcel(carrier, tracking)
        expected = latest if latest and latest.state is ParcelState.EXPECTED else None
        if expected is not None:
            parcel = store.deposit_expected_parcel(
                expected.id,
                state=next_parcel_state(expected.state, ParcelState.DEPOSITED),
                compartment=compartment.label,
                recipient_phone=recipient.phone,
                needs_low=needs_low,
                size=size,
                code_hash=code_hash,
                deposited_at=now,
                expires_at=expires_at,
                courier_id=courier_id,
                recipient_email=recipient.email,
                language=recipient.language,
            )
        else:
            parcel = store.add_parcel(
                tracking=tracking,
                carrier=carrier,
                state=next_parcel_state(None, ParcelState.DEPOSITED),
                compartment=compartment.label,
                recipient_phone=recipient.phone,
                needs_low=needs_low,
                size=size,
                code_hash=code_hash,
                deposited_at=now,
                expires_at=expires_at,
                courier_id=courier_id,
                created_at=now,
                recipient_email=recipient.email,
                language=recipient.language,
            )
        move_compartment(ctx, compartment.label, CompartmentState.OPEN)
        qr = qr_payload.encode(info.secret, info.locker_id, parcel.id, parcel.code_serial)
        # Held until the door shuts on the parcel: an undo before then leaves no stray code.
        queued = queue_for_recipient(ctx, parcel, "deposited", {"code": code, "qr": qr}, held=True)
        hold = hold_to_use(ctx, carrier, compartment.size)
        store.append_audit(
            f"courier:{courier_id}",
            "parcel.deposited",
            tracking,
            {
                "parcel_id": parcel.id,
                "compartment": compartment.label,
                "phone": mask_phone(recipient.phone),
                "size": size.value,
                "carrier": carrier,
                "channels": sorted({m.channel for m in queued}),
                **({"hold": hold.hold_id} if hold else {}),
                # The carrier's pre-advice, fulfilled: the same parcel, now in its door.
                **({"preadvised": True} if expected is not None else {}),
            },
            now,
        )
        if hold is not None:
            use_hold(ctx, hold, f"courier:{courier_id}")
    return DepositReceipt(
        parcel, compartment.label, code, qr, tuple(sorted({m.channel for m in queued}))
    )
