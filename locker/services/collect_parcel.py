"""A recipient takes a parcel out, by QR at the camera or by code at the keypad."""

from __future__ import annotations

from dataclasses import dataclass, replace

from locker.domain import qr_payload
from locker.domain.carrier_events import COLLECTED
from locker.domain.errors import InvalidInputError
from locker.domain.models import Compartment, Parcel
from locker.domain.pickup_code import hash_code, normalise_typed_code
from locker.domain.qr_payload import QrCheck, QrVerdict
from locker.domain.states import CompartmentState, ParcelState, next_parcel_state
from locker.services.context import LockerContext
from locker.services.door_commands import DoorCommand, fire_door, move_compartment
from locker.services.errors import (
    CodeRejectedError,
    DoorBusyError,
    DoorDidNotOpenError,
    ServiceRefusal,
)
from locker.services.failure_budgets import KEYPAD, attempts_left, refill, refuse_if_locked, spend
from locker.services.outbox import queue_carrier_event

RECIPIENT = "recipient"
# The outcome of a pickup at a door out of order: no unlock was tried.
NOT_TRIED = "not_tried"


@dataclass(frozen=True)
class PickupResult:
    """The door that opened, and the recipient's other parcels waiting here."""

    parcel: Parcel
    compartment: str
    more_parcels: tuple[Parcel, ...]


_VERDICT_CODES = {
    QrVerdict.MALFORMED: ServiceRefusal.PICKUP_MALFORMED,
    QrVerdict.FORGED: ServiceRefusal.PICKUP_FORGED,
    QrVerdict.OTHER_LOCKER: ServiceRefusal.PICKUP_OTHER_LOCKER,
    QrVerdict.EXPIRED: ServiceRefusal.PICKUP_EXPIRED,
    QrVerdict.USED: ServiceRefusal.PICKUP_USED,
    QrVerdict.WITHDRAWN: ServiceRefusal.PICKUP_WITHDRAWN,
    QrVerdict.REPLACED: ServiceRefusal.PICKUP_REPLACED,
    QrVerdict.UNKNOWN: ServiceRefusal.PICKUP_UNKNOWN,
}


def _verdict_code(verdict: QrVerdict) -> ServiceRefusal:
    """The refusal's code for a verdict that opens nothing."""
    return _VERDICT_CODES.get(verdict, ServiceRefusal.PICKUP_UNKNOWN)


def refusal_message(check: QrCheck) -> str:
    """What to tell a recipient whose code opens nothing."""
    messages = {
        QrVerdict.MALFORMED: "this is not a pickup code",
        QrVerdict.FORGED: "this code was not issued by this locker",
        QrVerdict.OTHER_LOCKER: f"this code is for locker {check.locker_id}",
        QrVerdict.EXPIRED: "this code has expired: the parcel waits for the courier to "
        "take it back; contact the carrier to have it delivered again",
        QrVerdict.USED: "this parcel has already been collected",
        QrVerdict.WITHDRAWN: "this parcel is no longer in this locker",
        QrVerdict.REPLACED: "this code was replaced by a newer one: use the latest message",
        QrVerdict.UNKNOWN: "wrong code: no parcel here has this code",
    }
    return messages.get(check.verdict, "this code opens nothing")


def _judge(ctx: LockerContext, check: QrCheck, parcel: Parcel | None) -> QrCheck:
    return qr_payload.judge_against_parcel(
        check,
        parcel.state if parcel else None,
        parcel.code_serial if parcel else None,
        parcel.expires_at if parcel else None,
        ctx.clock.now(),
    )


def collect_by_qr(ctx: LockerContext, text: bytes | str) -> PickupResult:
    """Open the door of the parcel a scanned QR names, if the QR is genuine and current."""
    info = ctx.store.locker()
    check = qr_payload.check_signature(text, info.locker_id, info.secret)
    parcel = ctx.store.parcel(check.claim.parcel_id) if check.claim else None
    check = _judge(ctx, check, parcel)
    if check.verdict is not QrVerdict.VALID or parcel is None:
        if check.verdict in (QrVerdict.FORGED, QrVerdict.REPLACED):
            with ctx.store.transaction():
                ctx.store.append_audit(
                    RECIPIENT,
                    "pickup.refused",
                    "qr",
                    {"verdict": check.verdict.value, "parcel_id": parcel.id if parcel else None},
                    ctx.clock.now(),
                )
        raise CodeRejectedError(
            refusal_message(check),
            check.verdict,
            check.locker_id,
            code=_verdict_code(check.verdict),
        )
    return _open_for_pickup(ctx, parcel, "qr")


def collect_by_code(ctx: LockerContext, typed: str) -> PickupResult:
    """Open the door of the parcel a typed code belongs to, within the keypad's budget."""
    store = ctx.store
    # The lockout check, the look-up and the failure count are one write transaction: a burst
    # of wrong codes at once is judged one by one, and no more of them than the budget allows.
    with store.transaction():
        refuse_if_locked(
            ctx, KEYPAD, "too many wrong codes", ServiceRefusal.KEYPAD_LOCKED, "scan your QR code"
        )
        code = normalise_typed_code(typed, ctx.rules.code_length)
        info = store.locker()
        parcel = store.parcel_by_code_hash(hash_code(info.secret, code))
        if parcel is None:
            spend(ctx, KEYPAD, ctx.rules.keypad, RECIPIENT)
            left = attempts_left(ctx, KEYPAD, ctx.rules.keypad)
    if parcel is None:
        raise CodeRejectedError(
            refusal_message(QrCheck(QrVerdict.UNKNOWN)),
            QrVerdict.UNKNOWN,
            attempts_left=left,
            code=ServiceRefusal.PICKUP_UNKNOWN,
        )
    # A typed code carries no signature: it stands for the parcel's current code.
    claim = qr_payload.QrClaim(info.locker_id, parcel.id, parcel.code_serial, "")
    check = _judge(ctx, QrCheck(QrVerdict.VALID, claim), parcel)
    if check.verdict is not QrVerdict.VALID:
        raise CodeRejectedError(
            refusal_message(check), check.verdict, code=_verdict_code(check.verdict)
        )
    refill(ctx, KEYPAD)
    return _open_for_pickup(ctx, parcel, "code")


def _still_waiting(ctx: LockerContext, parcel_id: int) -> Parcel:
    """The parcel as it stands now, refused unless it still waits in its door."""
    current = ctx.store.parcel(parcel_id)
    if current is None:
        raise CodeRejectedError(
            refusal_message(QrCheck(QrVerdict.UNKNOWN)),
            QrVerdict.UNKNOWN,
            code=ServiceRefusal.PICKUP_UNKNOWN,
        )
    verdicts = {
        ParcelState.COLLECTED: QrVerdict.USED,
        ParcelState.EXPIRED: QrVerdict.EXPIRED,
    }
    if current.state is not ParcelState.DEPOSITED:
        verdict = verdicts.get(current.state, QrVerdict.WITHDRAWN)
        raise CodeRejectedError(
            refusal_message(QrCheck(verdict)), verdict, code=_verdict_code(verdict)
        )
    return current


def door_reason(failure: DoorDidNotOpenError) -> str:
    """What a recipient's screen says of a door that did not open: out of service (not tried),
    not reached (the bus was down), or a door that failed."""
    if failure.outcome == NOT_TRIED:
        return "out_of_service"
    if failure.code is ServiceRefusal.DOORS_UNREACHABLE:
        return "unreachable"
    return "door"


def _out_of_order(label: str) -> DoorDidNotOpenError:
    return DoorDidNotOpenError(
        f"door {label} is out of service. Your parcel is safe inside: "
        f"please contact support and quote door {label}.",
        label,
        NOT_TRIED,
        code=ServiceRefusal.PICKUP_DOOR_OUT_OF_SERVICE,
    )


def _open_for_pickup(ctx: LockerContext, parcel: Parcel, method: str) -> PickupResult:
    store = ctx.store
    label = parcel.compartment
    if label is None:
        raise InvalidInputError(
            f"parcel {parcel.tracking} has no compartment",
            code=ServiceRefusal.PARCEL_NO_DOOR,
            tracking=parcel.tracking,
        )
    compartment = store.compartment(label)
    if compartment.state in CompartmentState.unusable():
        # The door is not fired. The refusal is logged, so the helpline finds the door and why.
        with store.transaction():
            store.append_audit(
                RECIPIENT,
                "pickup.refused",
                label,
                {
                    "door": label,
                    "reason": compartment.state.value,
                    "parcel_id": parcel.id,
                    "method": method,
                },
                ctx.clock.now(),
            )
        raise _out_of_order(label)

    def check(compartment: Compartment) -> None:
        # Judged again inside the claim: a second tap, the camera and the keypad may all be
        # after this parcel at once, and only one of them may open its door.
        _still_waiting(ctx, parcel.id)
        if compartment.state in CompartmentState.unusable():
            raise _out_of_order(label)

    def settle() -> None:
        now = ctx.clock.now()
        store.set_parcel_state(
            parcel.id, next_parcel_state(ParcelState.DEPOSITED, ParcelState.COLLECTED), now
        )
        if store.compartment(label).state is CompartmentState.OCCUPIED:
            move_compartment(ctx, label, CompartmentState.OPEN)
        store.cancel_notifications(parcel.id)
        record = store.append_audit(
            RECIPIENT,
            "parcel.collected",
            parcel.tracking,
            {
                "parcel_id": parcel.id,
                "compartment": label,
                "method": method,
                "carrier": parcel.carrier,
            },
            now,
        )
        queue_carrier_event(ctx, parcel, COLLECTED, record)

    fired = fire_door(ctx, DoorCommand(label, "collect", RECIPIENT, parcel.id), check, settle)
    if not fired.confirmed:
        raise DoorDidNotOpenError(
            f"door {label} did not open. Your parcel is safe inside and the door is "
            "reported for repair: please contact support.",
            label,
            fired.outcome.value,
            code=ServiceRefusal.PICKUP_DOOR_FAILED,
        )
    now = ctx.clock.now()
    more = tuple(
        p
        for p in store.parcels(frozenset({ParcelState.DEPOSITED}))
        if parcel.recipient_phone
        and p.recipient_phone == parcel.recipient_phone
        and p.id != parcel.id
        and (p.expires_at is None or p.expires_at > now)
    )
    return PickupResult(replace(parcel, state=ParcelState.COLLECTED), label, more)


@dataclass(frozen=True)
class SiblingPickup:
    """The other parcels' doors that opened, and those that did not (each parcel safe inside)."""

    opened: list[PickupResult]
    failed: list[DoorDidNotOpenError]


def collect_siblings(ctx: LockerContext, first_id: int, parcel_ids: list[int]) -> SiblingPickup:
    """Open the other parcels of the recipient who just collected `first_id`, on confirmation.

    Only parcels for the same phone number, still deposited and not expired, are opened: the
    recipient proved their code for one of them a moment ago. A door that does not open does
    not stop the others; a parcel taken meanwhile, or whose door is opening already, is skipped.
    """
    store = ctx.store
    result = SiblingPickup([], [])
    first = store.parcel(first_id)
    if first is None or first.state is not ParcelState.COLLECTED or not first.recipient_phone:
        return result
    now = ctx.clock.now()
    for parcel_id in parcel_ids:
        parcel = store.parcel(parcel_id)
        if (
            parcel is None
            or parcel.state is not ParcelState.DEPOSITED
            or parcel.recipient_phone != first.recipient_phone
            or (parcel.expires_at is not None and parcel.expires_at <= now)
        ):
            continue
        try:
            result.opened.append(_open_for_pickup(ctx, parcel, "same recipient"))
        except DoorDidNotOpenError as failure:
            result.failed.append(failure)
        except (CodeRejectedError, DoorBusyError):
            continue
    return result
