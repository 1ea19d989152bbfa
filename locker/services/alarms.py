"""Alarms: the audit records someone must look at, and their acknowledgement with a note.

An alarm is an audit record (a door opened with no command, a door left open, a sensor that
disagrees, a door that did not open, a refused pickup at a door out of order, a lockout). An
admin acknowledges it with a note: an `alarm.acknowledged` record whose subject is the alarm's
sequence number, the same record the fleet console writes. An acknowledged alarm is no longer
open, so it leaves the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from locker.domain.audit_chain import AuditRecord
from locker.domain.errors import InvalidInputError
from locker.domain.plain_text import MAX_REASON_CHARS, is_one_line
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, NotFoundError, ServiceRefusal

ALARM_ACTIONS = frozenset(
    {
        "alarm.door_opened_without_command",
        "alert.door_left_open",
        "sensor.fault",
        "door.fault",
        "door.unreachable",
        "pickup.refused",
    }
)
ACKNOWLEDGED = "alarm.acknowledged"


@dataclass(frozen=True)
class Alarm:
    """One alarm as the audit log holds it."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]


def is_alarm(action: str) -> bool:
    """True for the audit actions that are alarms: faults, alerts and lockouts."""
    return action in ALARM_ACTIONS or action.endswith(".lockout")


def _alarm(record: AuditRecord) -> Alarm:
    return Alarm(record.seq, record.at, record.actor, record.action, record.subject, record.details)


def _acknowledgements(records: Iterable[AuditRecord]) -> dict[str, AuditRecord]:
    """The acknowledgements, by the sequence number (as text) of the alarm they answer."""
    return {r.subject: r for r in records if r.action == ACKNOWLEDGED}


def open_alarms(ctx: LockerContext, limit: int) -> list[Alarm]:
    """The newest alarms nobody has acknowledged, newest first."""
    records = list(ctx.store.audit_records())
    answered = _acknowledgements(records)
    found = [r for r in records if is_alarm(r.action) and str(r.seq) not in answered]
    return [_alarm(r) for r in reversed(found[-limit:])]


def alarm(ctx: LockerContext, seq: int) -> Alarm:
    """One open alarm by its sequence number; refused when it is none or already answered."""
    records = list(ctx.store.audit_records())
    found = next((r for r in records if r.seq == seq and is_alarm(r.action)), None)
    if found is None:
        raise NotFoundError(f"no alarm {seq}", code=ServiceRefusal.ALARM_UNKNOWN, seq=seq)
    answer = _acknowledgements(records).get(str(seq))
    if answer is not None:
        admin = str(answer.details.get("admin", answer.actor))
        raise NotAllowedError(
            f"alarm {seq} was acknowledged already by {admin}",
            code=ServiceRefusal.ALARM_ACKNOWLEDGED,
            seq=seq,
            admin=admin,
        )
    return _alarm(found)


def acknowledge_alarm(
    ctx: LockerContext, admin: str, seq: int, note: str, actor: str | None = None
) -> Alarm:
    """Answer an open alarm with a note, audited; it is no longer open.

    The record is the same from the screen and from the fleet's console (`actor` names the
    remote operators then), so both views agree on what is answered.
    """
    note = note.strip()
    if not note:
        raise InvalidInputError(
            "say what was done about the alarm: a note is required",
            code=ServiceRefusal.ALARM_NOTE_REQUIRED,
        )
    if not is_one_line(note, MAX_REASON_CHARS):
        raise InvalidInputError(
            f"a note is one line of at most {MAX_REASON_CHARS} characters",
            code=ServiceRefusal.ALARM_NOTE_FORMAT,
            count=MAX_REASON_CHARS,
        )
    with ctx.store.transaction():
        # Checked inside the write transaction: two admins answering at once make one record.
        answered = alarm(ctx, seq)
        ctx.store.append_audit(
            actor or f"admin:{admin}",
            ACKNOWLEDGED,
            str(seq),
            {"note": note, "admin": admin},
            ctx.clock.now(),
        )
    return answered
