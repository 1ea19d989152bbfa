"""A carrier pre-advises a parcel: the locker keeps it as `expected` until a courier brings it.

The centre signs these commands with its service key and, until the locker acknowledges one,
signs and sends it again with a new nonce. So both actions are idempotent on the carrier and
the tracking number: the same pre-advice again changes nothing and answers the same (changed
details update the parcel, audited); a withdrawal done already answers as it did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from locker.domain.errors import DomainRefusal, InvalidInputError
from locker.domain.models import Parcel, Size
from locker.domain.phone import mask_phone, normalise_phone
from locker.domain.plain_text import is_one_line
from locker.domain.states import ParcelState, next_parcel_state
from locker.services.accounts import MAX_NAME_CHARS
from locker.services.context import LockerContext
from locker.services.deposit_parcel import normalise_tracking
from locker.services.errors import NotAllowedError, NotFoundError, ServiceRefusal

# An arrival further ahead than this is a mistake (or an attack on the date arithmetic).
MAX_AHEAD = timedelta(days=366)
# After these, the parcel has gone: the carrier may announce it again.
_GONE = frozenset({ParcelState.CANCELLED, ParcelState.RETURNED})


@dataclass(frozen=True)
class PreAdvice:
    """A parcel a carrier announces: for whom, how big, and when it should arrive."""

    carrier: str
    tracking: str
    phone: str
    size: Size
    needs_low: bool
    language: str | None
    expected_at: datetime


def _refuse(what: str) -> NotAllowedError:
    return NotAllowedError(
        f"the command needs {what}", code=ServiceRefusal.REMOTE_ARGUMENTS, argument=what
    )


def _text(args: Mapping[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str):
        raise _refuse(f"{key} as a text")
    return value


def carrier_name(text: str) -> str:
    """A carrier's name as its couriers' accounts carry it: one line, 1 to 64 characters."""
    name = text.strip()
    if not name or not is_one_line(name, MAX_NAME_CHARS):
        raise InvalidInputError(
            f"the carrier must be 1 to {MAX_NAME_CHARS} characters on one line",
            code=ServiceRefusal.CARRIER_LENGTH,
            most=MAX_NAME_CHARS,
        )
    return name


def _language(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _refuse("language as zh or en")
    if value not in ("zh", "en"):
        raise InvalidInputError(
            "the recipient's language is zh or en", code=DomainRefusal.LANGUAGE_UNKNOWN
        )
    return value


def _arrival(value: object, now: datetime) -> datetime:
    latest = now + MAX_AHEAD
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= latest.timestamp():
        raise _refuse(f"expected_at as seconds since the epoch, at most {MAX_AHEAD.days} days on")
    return datetime.fromtimestamp(value, UTC)


def read_preadvice(args: Mapping[str, Any], now: datetime) -> PreAdvice:
    """A pre-advice from a command's arguments; refused, naming the argument, when one is wrong."""
    low = args.get("low_door", False)
    if not isinstance(low, bool):
        raise _refuse("low_door as true or false")
    return PreAdvice(
        carrier=carrier_name(_text(args, "carrier")),
        tracking=normalise_tracking(_text(args, "tracking")),
        phone=normalise_phone(_text(args, "phone")),
        size=Size.parse(_text(args, "size")),
        needs_low=low,
        language=_language(args.get("language")),
        expected_at=_arrival(args.get("expected_at"), now),
    )


def _outcome(parcel: Parcel) -> dict[str, Any]:
    """What the centre is answered, and shows: the same for every copy of one command."""
    return {
        "carrier": parcel.carrier,
        "tracking": parcel.tracking,
        "state": parcel.state.value,
        "parcel_id": parcel.id,
    }


def _details(parcel_id: int, advice: PreAdvice) -> dict[str, Any]:
    """The audit record's details: never the phone in clear."""
    return {
        "parcel_id": parcel_id,
        "carrier": advice.carrier,
        "tracking": advice.tracking,
        "size": advice.size.value,
        "low_door": advice.needs_low,
        "language": advice.language,
        "expected_at": int(advice.expected_at.timestamp()),
        "phone": mask_phone(advice.phone),
    }


def _unchanged(parcel: Parcel, advice: PreAdvice) -> bool:
    return (
        parcel.recipient_phone == advice.phone
        and parcel.size is advice.size
        and parcel.needs_low == advice.needs_low
        and parcel.language == advice.language
        and parcel.expected_at == advice.expected_at
    )


def preadvise_parcel(ctx: LockerContext, advice: PreAdvice, actor: str) -> dict[str, Any]:
    """Keep the parcel as expected; refused when this carrier's parcel is in the locker already
    or was collected."""
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        existing = store.carrier_parcel(advice.carrier, advice.tracking)
        if existing is not None and existing.state is ParcelState.EXPECTED:
            if not _unchanged(existing, advice):
                store.update_expected_parcel(
                    existing.id,
                    recipient_phone=advice.phone,
                    size=advice.size,
                    needs_low=advice.needs_low,
                    language=advice.language,
                    expected_at=advice.expected_at,
                )
                store.append_audit(
                    actor,
                    "parcel.preadvice_updated",
                    advice.tracking,
                    _details(existing.id, advice),
                    now,
                )
            return _outcome(existing)
        if existing is not None and existing.state not in _GONE:
            raise NotAllowedError(
                f"parcel {advice.tracking} of {advice.carrier} is {existing.state.value} "
                "already: it cannot be pre-advised",
                code=ServiceRefusal.PREADVICE_ALREADY_DEPOSITED,
                tracking=advice.tracking,
                state=existing.state.value,
            )
        next_parcel_state(None, ParcelState.EXPECTED)  # the table's first row
        parcel = store.add_expected_parcel(
            carrier=advice.carrier,
            tracking=advice.tracking,
            recipient_phone=advice.phone,
            size=advice.size,
            needs_low=advice.needs_low,
            language=advice.language,
            expected_at=advice.expected_at,
            created_at=now,
        )
        store.append_audit(
            actor, "parcel.expected", advice.tracking, _details(parcel.id, advice), now
        )
    return _outcome(parcel)


def withdraw_preadvice(
    ctx: LockerContext, carrier: str, tracking: str, actor: str
) -> dict[str, Any]:
    """Cancel an expected parcel; one withdrawn (or lapsed) already answers as it did then."""
    carrier = carrier_name(carrier)
    tracking = normalise_tracking(tracking)
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        parcel = store.carrier_parcel(carrier, tracking)
        if parcel is None:
            raise NotFoundError(
                f"{carrier} pre-advised no parcel {tracking} here",
                code=ServiceRefusal.PREADVICE_UNKNOWN,
                tracking=tracking,
            )
        # Cancelled before it was ever put in: the announcement was withdrawn, or lapsed.
        if parcel.state is ParcelState.CANCELLED and parcel.deposited_at is None:
            return _outcome(parcel)
        if parcel.state is not ParcelState.EXPECTED:
            raise NotAllowedError(
                f"parcel {tracking} is {parcel.state.value}, not expected: "
                "only an expected parcel is withdrawn",
                code=ServiceRefusal.PREADVICE_NOT_EXPECTED,
                tracking=tracking,
                state=parcel.state.value,
            )
        store.set_parcel_state(
            parcel.id, next_parcel_state(parcel.state, ParcelState.CANCELLED), now
        )
        store.append_audit(
            actor,
            "parcel.withdrawn",
            tracking,
            {"parcel_id": parcel.id, "carrier": carrier, "tracking": tracking},
            now,
        )
        withdrawn = store.parcel(parcel.id)
    assert withdrawn is not None
    return _outcome(withdrawn)
