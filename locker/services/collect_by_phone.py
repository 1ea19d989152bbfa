"""A recipient without a smartphone: the last four digits of their phone, then the code.

Wrong tries are budgeted per recipient phone, and those whose four digits match no waiting
parcel by one locker-wide budget (decision 0005):

- A try whose four digits match the phone of a waiting parcel counts against that phone's
  budget: against each such phone, when recipients share the four digits, since the locker
  cannot tell which of them is typing. It is refused while any of them is paused.
- A try whose four digits match no waiting parcel counts only against the locker-wide budget,
  and is refused while that one is paused. A stranger guessing digits that match nobody can
  neither pause a real recipient's number now, nor one whose parcel arrives later.

The budgets are named by a keyed hash of the phone number (`phone_key`), so the budgets' table
does not hold it, and their lockouts are audited without it or the hash.
"""

from __future__ import annotations

from locker.domain import qr_payload
from locker.domain.failure_budget import FailureRecord
from locker.domain.models import Parcel
from locker.domain.phone import ends_with, phone_ending, phone_key
from locker.domain.pickup_code import hash_code, normalise_typed_code
from locker.domain.qr_payload import QrCheck, QrVerdict
from locker.domain.states import ParcelState
from locker.services.collect_parcel import (
    RECIPIENT,
    PickupResult,
    _judge,
    _open_for_pickup,
    _verdict_code,
    refusal_message,
)
from locker.services.context import LockerContext
from locker.services.errors import CodeRejectedError, ServiceRefusal
from locker.services.failure_budgets import refill, refuse_if_locked, spend

# The locker-wide budget of tries whose four digits match no waiting parcel.
PHONE_KEYPAD = "phone_keypad"
# How the door was opened, in the `parcel.collected` audit record.
METHOD = "phone and code"


# Each recipient phone's budget is named by this and a keyed hash of the number.
PHONE_BUDGETS = "phone:"


def _budget_key(secret: bytes, phone: str) -> str:
    """The budget of one recipient phone (its lockout's audit action is `phone.lockout`)."""
    return PHONE_BUDGETS + phone_key(secret, phone)


def _waiting_phones(ctx: LockerContext, ending: str) -> list[str]:
    """The phone numbers of the waiting parcels that end in these four digits."""
    deposited = ctx.store.parcels(frozenset({ParcelState.DEPOSITED}))
    return sorted(
        {
            p.recipient_phone
            for p in deposited
            if p.recipient_phone and ends_with(p.recipient_phone, ending)
        }
    )


def _refuse_while_paused(ctx: LockerContext, secret: bytes, phones: list[str]) -> None:
    """Raise LockedOutError while a budget these digits spend is paused."""
    if not phones:
        refuse_if_locked(
            ctx,
            PHONE_KEYPAD,
            "too many wrong tries with phone numbers",
            ServiceRefusal.PHONE_KEYPAD_LOCKED,
            "scan your QR code or type the code alone",
        )
    for phone in phones:
        refuse_if_locked(
            ctx,
            _budget_key(secret, phone),
            "too many wrong codes for this phone number",
            ServiceRefusal.PHONE_LOCKED,
            "scan your QR code or type the code alone",
        )


def check_phone_ending(ctx: LockerContext, typed: str) -> str:
    """The four digits typed at the first step, refused when badly typed or paused."""
    ending = phone_ending(typed)
    _refuse_while_paused(ctx, ctx.store.locker().secret, _waiting_phones(ctx, ending))
    return ending


def _wrong(last_try: bool) -> CodeRejectedError:
    """A wrong try; `attempts_left` is 0 for the one that paused, else not told.

    A count of tries left would differ between the two budgets, and so tell whether the
    digits matched a parcel; the pause itself is told, as the next try would tell it anyway.
    """
    return CodeRejectedError(
        "wrong phone digits or code",
        QrVerdict.UNKNOWN,
        attempts_left=0 if last_try else None,
        code=ServiceRefusal.PICKUP_PHONE_WRONG,
    )


def _spend_wrong_try(ctx: LockerContext, secret: bytes, phones: list[str]) -> bool:
    """Count a wrong try against the budgets its digits spend; True when it paused one."""
    if not phones:
        return _paused_now(ctx, spend(ctx, PHONE_KEYPAD, ctx.rules.phone_code_locker, RECIPIENT))
    # The audit log is kept for good, and the key is a hash that the locker's secret and a
    # try of every number would reverse: its lockout is audited as "a phone", not by key.
    spent = [
        spend(ctx, _budget_key(secret, p), ctx.rules.phone_code, RECIPIENT, subject="phone")
        for p in phones
    ]
    return any(_paused_now(ctx, record) for record in spent)


def _paused_now(ctx: LockerContext, record: FailureRecord) -> bool:
    return record.locked(ctx.clock.now())


def collect_by_phone(ctx: LockerContext, typed_ending: str, typed_code: str) -> PickupResult:
    """Open the door of the parcel for a phone ending in `typed_ending` whose code was typed."""
    ending = phone_ending(typed_ending)
    code = normalise_typed_code(typed_code, ctx.rules.code_length)
    store = ctx.store
    # The pause check, the look-up and the failure count are one write transaction, as for the
    # code alone: a burst of wrong tries at once is judged one by one, within the budgets.
    with store.transaction():
        secret = store.locker().secret
        phones = _waiting_phones(ctx, ending)
        _refuse_while_paused(ctx, secret, phones)
        found = store.parcel_by_code_hash(hash_code(secret, code))
        parcel = found if found and ends_with(found.recipient_phone, ending) else None
        # A code for another phone's parcel is as wrong as any: it never says whose it is.
        paused = _spend_wrong_try(ctx, secret, phones) if parcel is None else False
    if parcel is None:
        # Raised once the count is committed: inside the transaction it would roll it back.
        raise _wrong(paused)
    _refuse_unless_waiting(ctx, parcel)
    assert parcel.recipient_phone is not None  # ends_with matched it
    refill(ctx, _budget_key(secret, parcel.recipient_phone))
    return _open_for_pickup(ctx, parcel, METHOD)


def _refuse_unless_waiting(ctx: LockerContext, parcel: Parcel) -> None:
    """The right digits and code for a parcel that is no longer to be had: say why."""
    # A typed code carries no signature: it stands for the parcel's current code.
    claim = qr_payload.QrClaim(ctx.store.locker().locker_id, parcel.id, parcel.code_serial, "")
    check = _judge(ctx, QrCheck(QrVerdict.VALID, claim), parcel)
    if check.verdict is not QrVerdict.VALID:
        raise CodeRejectedError(
            refusal_message(check), check.verdict, code=_verdict_code(check.verdict)
        )
