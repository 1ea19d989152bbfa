"""The admin's parcel search and a parcel's history, for the helpline and the technician.

A search takes what a caller can give: a tracking number, the last four digits of the phone
the message went to, or the door. Results and history carry masked phones only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from locker.domain.audit_chain import AuditRecord
from locker.domain.errors import InvalidInputError
from locker.domain.models import Parcel
from locker.domain.phone import mask_phone
from locker.domain.states import ParcelState
from locker.ports import DoorOperation
from locker.services.context import LockerContext
from locker.services.errors import NotFoundError, ServiceRefusal

SHOWN = 50
_TERM = re.compile(r"[A-Z0-9-]{1,40}")
_PHONE_END = re.compile(r"[0-9]{4}")
_DOOR = re.compile(r"[A-Z0-9-]{1,8}")
# Shorter than this, a tracking number is matched whole: four digits are a phone's end far
# more often than a piece of a waybill.
WHOLE_BELOW = 6


@dataclass(frozen=True)
class SearchTerms:
    """What a typed search can stand for; None where it cannot be that."""

    tracking: str | None
    phone_end: str | None
    door: str | None
    # Part of a tracking number (long enough), or only the whole of one.
    tracking_part: bool


def search_terms(text: str) -> SearchTerms:
    """Read a search as tracking number, phone end and door at once; refused if it is none."""
    term = re.sub(r"\s", "", text).upper()
    if not _TERM.fullmatch(term):
        raise InvalidInputError(
            "type a tracking number, the last four digits of a phone, or a door",
            code=ServiceRefusal.SEARCH_FORMAT,
        )
    return SearchTerms(
        tracking=term if len(term) >= 4 else None,
        phone_end=term if _PHONE_END.fullmatch(term) else None,
        door=term if _DOOR.fullmatch(term) else None,
        tracking_part=len(term) >= WHOLE_BELOW,
    )


@dataclass(frozen=True)
class ParcelSummary:
    """A parcel as staff screens show it: the phone masked, never the code."""

    id: int
    tracking: str
    carrier: str
    state: ParcelState
    door: str | None
    masked_phone: str
    deposited_at: datetime | None
    expires_at: datetime | None

    @property
    def inside(self) -> bool:
        """The parcel is behind its door now."""
        return self.door is not None and self.state in ParcelState.inside()

    @property
    def waiting(self) -> bool:
        """Waiting for its recipient: it has a code that can be reissued."""
        return self.state is ParcelState.DEPOSITED and self.expires_at is not None


def summary(parcel: Parcel) -> ParcelSummary:
    """The parcel as a staff screen may show it."""
    return ParcelSummary(
        id=parcel.id,
        tracking=parcel.tracking,
        carrier=parcel.carrier,
        state=parcel.state,
        door=parcel.compartment,
        masked_phone=mask_phone(parcel.recipient_phone),
        deposited_at=parcel.deposited_at,
        expires_at=parcel.expires_at,
    )


def find_parcels(ctx: LockerContext, text: str) -> list[ParcelSummary]:
    """Parcels matching a tracking number, a phone's last four digits or a door, newest first."""
    terms = search_terms(text)
    found = ctx.store.search_parcels(
        tracking=terms.tracking,
        tracking_part=terms.tracking_part,
        phone_end=terms.phone_end,
        door=terms.door,
        limit=SHOWN,
    )
    return [summary(p) for p in found]


@dataclass(frozen=True)
class HistoryEntry:
    """One thing that happened to a parcel: an audit record, or a door command."""

    at: datetime
    # "audit" (action: the audit action) or "door" (action: the command's purpose).
    source: str
    action: str
    actor: str
    # The audit record's subject (a door, or the tracking number); a command's door.
    subject: str
    door: str | None
    details: Mapping[str, Any]


def parcel_history(ctx: LockerContext, parcel_id: int) -> tuple[ParcelSummary, list[HistoryEntry]]:
    """A parcel and everything recorded about it, oldest first: its own records and door
    commands, and what happened to its door while it was inside (a service opening, an alarm)."""
    parcel = ctx.store.parcel(parcel_id)
    if parcel is None:
        raise NotFoundError(
            f"no parcel record {parcel_id}", code=ServiceRefusal.PARCEL_RECORD_UNKNOWN, id=parcel_id
        )
    door, since = parcel.compartment, parcel.deposited_at
    messages = {m.id for m in ctx.store.parcel_messages(parcel.id)}
    found = ctx.store.parcel_audit_records(parcel.id, parcel.tracking, door, since)
    own = [r for r in found if r.subject != door and _about(r, parcel, messages)]
    until = _left_at(own)
    at_door = [
        r
        for r in found
        if r.subject == door and _about(r, parcel, messages) and _within(r.at, until)
    ]
    operations = ctx.store.parcel_door_operations(parcel.id, parcel.tracking, door, since)
    commands = [
        op
        for op in _its_commands(operations, parcel)
        if op.parcel_id is not None or op.tracking is not None or _within(op.started_at, until)
    ]
    entries = [_from_audit(r) for r in own + at_door] + [_from_door(op) for op in commands]
    # A door command is journaled before what its outcome caused is audited.
    return summary(parcel), sorted(entries, key=lambda e: (e.at, e.source == "audit"))


# The records after which a parcel is no longer behind its door.
LEFT = frozenset({"parcel.collected", "parcel.returned", "parcel.cancelled"})


def _left_at(records: Sequence[AuditRecord]) -> datetime | None:
    """When the parcel left its door, if it has."""
    left = [_moment(r.at) for r in records if r.action in LEFT]
    return left[-1] if left else None


def _within(at: str | datetime, until: datetime | None) -> bool:
    moment = _moment(at) if isinstance(at, str) else _aware(at)
    return until is None or moment <= until


def _parcel_id_in(details: Mapping[str, Any]) -> object:
    inside = details.get("parcel_inside")
    if isinstance(inside, Mapping):
        return inside.get("parcel_id")
    return details.get("parcel_id")


def _about(record: AuditRecord, parcel: Parcel, messages: set[int]) -> bool:
    """The record concerns this parcel, not another one that had the same tracking number or
    sat behind the same door."""
    named = _parcel_id_in(record.details)
    if named is not None:
        return named == parcel.id
    if "message" in record.details:
        return record.details["message"] in messages
    return True


def _its_commands(operations: Sequence[DoorOperation], parcel: Parcel) -> list[DoorOperation]:
    """The parcel's door commands, its door's service openings, and the deposit's, journaled
    before the parcel was recorded: the newest one for its tracking number into its door up to
    its deposit."""
    own = [
        op
        for op in operations
        if op.parcel_id == parcel.id or (op.parcel_id is None and op.tracking is None)
    ]
    deposits = [
        op
        for op in operations
        if op.parcel_id is None
        and op.purpose == "deposit"
        and op.compartment == parcel.compartment
        and (parcel.deposited_at is None or op.started_at <= parcel.deposited_at)
    ]
    return own + deposits[-1:]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _moment(text: str) -> datetime:
    return _aware(datetime.fromisoformat(text))


def _from_audit(record: AuditRecord) -> HistoryEntry:
    door = record.details.get("compartment") or record.details.get("door")
    return HistoryEntry(
        _moment(record.at),
        "audit",
        record.action,
        record.actor,
        record.subject,
        str(door) if door else None,
        record.details,
    )


def _from_door(op: DoorOperation) -> HistoryEntry:
    at = _aware(op.started_at)
    return HistoryEntry(
        at, "door", op.purpose, op.actor, op.compartment, op.compartment, {"outcome": op.outcome}
    )


def actor_names(ctx: LockerContext, actors: Iterable[str]) -> dict[str, str]:
    """Each actor as staff know them: a courier by name and carrier, with the id the records
    use; any other actor as it is."""
    named = {}
    for actor in set(actors):
        kind, _, number = actor.partition(":")
        courier = ctx.store.courier(int(number)) if kind == "courier" and number.isdigit() else None
        named[actor] = f"{courier.name} ({courier.carrier}, {actor})" if courier else actor
    return named
