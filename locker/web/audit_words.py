"""Audit records and door commands in words, for the dashboard's alarms and a parcel's history.

The audit log keeps codes and JSON for machines (the CSV, the chain, the uplink); a technician
reads a sentence in the screen's language. Every phone a record might repeat is masked, and a
record with no sentence here is shown as its action and its fields, never as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from locker.domain.phone import mask_phones_in
from locker.domain.states import CompartmentState, ParcelState
from locker.web.admin_messages import channel_names, kind_names
from locker.web.screen_time import short_time

Details = Mapping[str, Any]


def compartment_state_names() -> dict[CompartmentState, str]:
    """Each compartment state in words."""
    return {
        CompartmentState.FREE: _("Free"),
        CompartmentState.RESERVED: _("Reserved"),
        CompartmentState.OPEN: _("Standing open"),
        CompartmentState.OCCUPIED: _("Occupied"),
        CompartmentState.FAULT: _("Fault"),
        CompartmentState.OUT_OF_SERVICE: _("Out of service"),
    }


def parcel_state_names() -> dict[ParcelState, str]:
    """Each parcel state in words."""
    return {
        ParcelState.EXPECTED: _("Expected"),
        ParcelState.DEPOSITED: _("Waiting for pickup"),
        ParcelState.COLLECTED: _("Collected"),
        ParcelState.EXPIRED: _("Expired, waiting for the courier"),
        ParcelState.RETURNED: _("Taken back by the courier"),
        ParcelState.CANCELLED: _("Deposit undone"),
        ParcelState.DISPUTED: _("Disputed"),
    }


def purpose_names() -> dict[str, str]:
    """What a door command was for, in words."""
    return {
        "deposit": _("Deposit"),
        "collect": _("Pickup"),
        "service": _("Service opening"),
        "cancel": _("Deposit undone"),
        "retrieve": _("Expired, taken back"),
    }


def outcome_names() -> dict[str, str]:
    """How a door command ended, in words."""
    return {
        "confirmed": _("Opened"),
        "not_confirmed": _("Not confirmed"),
        "no_answer": _("No answer from the board"),
        "not_sent": _("Not sent: the bus was down"),
        "pending": _("Unfinished"),
        "interrupted": _("Cut short by a restart"),
    }


def alarm_names() -> dict[str, str]:
    """Each kind of alarm in a few words; a lockout is any other."""
    return {
        "alarm.door_opened_without_command": _("Door opened with no command"),
        "alert.door_left_open": _("Door left open"),
        "sensor.fault": _("Item sensor disagrees"),
        "door.fault": _("Door did not open"),
        "door.unreachable": _("Bus down: door not reached"),
        # A code refused at a door out of order, or a forged or replaced QR.
        "pickup.refused": _("Pickup refused"),
    }


def alarm_name(action: str) -> str:
    """The alarm's kind in a few words."""
    return alarm_names().get(action, _("Too many wrong attempts"))


def _door(subject: str, d: Details) -> str:
    return str(d.get("compartment") or d.get("door") or subject)


def _message(d: Details) -> dict[str, str]:
    return {
        "kind": kind_names().get(str(d.get("kind")), str(d.get("kind", ""))),
        "channel": channel_names().get(str(d.get("channel")), str(d.get("channel", ""))),
        "recipient": str(d.get("recipient", "")),
        "error": str(d.get("error", "")),
    }


def _sensor(subject: str, d: Details) -> str:
    if d.get("item_present") and not d.get("parcel_recorded"):
        return _(
            "Door %(door)s: the item sensor sees something, but no parcel is recorded there.",
            door=subject,
        )
    return _(
        "Door %(door)s: the item sensor sees nothing, but a parcel is recorded there.",
        door=subject,
    )


def _pickup_refused(subject: str, d: Details) -> str:
    if "verdict" in d:
        return _("A pickup QR code was refused (%(verdict)s).", verdict=d["verdict"])
    state = compartment_state_names().get(_compartment_state(d.get("reason")), "")
    return _(
        "A valid code for door %(door)s was refused: the door is %(state)s. The parcel waits "
        "for staff to open it.",
        door=_door(subject, d),
        state=state or d.get("reason", ""),
    )


def _compartment_state(value: object) -> CompartmentState | None:
    try:
        return CompartmentState(value)
    except ValueError:
        return None


def _lockout(subject: str, d: Details) -> str:
    return _(
        "Too many wrong attempts for %(who)s: paused until %(until)s.",
        who=subject,
        until=short_time(d.get("until")) or "?",
    )


def _door_fault(subject: str, d: Details) -> str:
    return _(
        "Door %(door)s did not open (%(purpose)s): %(outcome)s.",
        door=subject,
        purpose=purpose_names().get(str(d.get("purpose")), str(d.get("purpose", ""))).lower(),
        outcome=outcome_names().get(str(d.get("outcome")), str(d.get("outcome", ""))).lower(),
    )


SENTENCES: dict[str, Callable[[str, Details], str]] = {
    "alarm.door_opened_without_command": lambda s, d: _(
        "Door %(door)s was opened with no command from the locker.", door=s
    ),
    "alert.door_left_open": lambda s, d: _(
        "Door %(door)s stood open for %(minutes)s minutes.", door=s, minutes=d.get("minutes", "?")
    ),
    "sensor.fault": _sensor,
    "door.fault": _door_fault,
    "door.unreachable": lambda s, d: _(
        "Door %(door)s was not reached: its bus was down, and nothing was sent.", door=s
    ),
    "pickup.refused": _pickup_refused,
    "parcel.deposited": lambda s, d: _(
        "Deposited in door %(door)s (size %(size)s) for %(phone)s.",
        door=_door(s, d),
        size=d.get("size", ""),
        phone=d.get("phone", ""),
    ),
    "parcel.shut_in": lambda s, d: _("Door %(door)s was shut on the parcel.", door=_door(s, d)),
    "parcel.collected": lambda s, d: _("Collected from door %(door)s.", door=_door(s, d)),
    "parcel.expired": lambda s, d: _(
        "The pickup window ended; the parcel waits in door %(door)s for its courier.",
        door=_door(s, d),
    ),
    "parcel.returned": lambda s, d: _(
        "Taken back by the courier from door %(door)s.", door=_door(s, d)
    ),
    "parcel.undo_requested": lambda s, d: _(
        "The courier asked to undo the deposit: door %(door)s opened again.", door=_door(s, d)
    ),
    "parcel.undo_refused": lambda s, d: _(
        "The undo was not done: door %(door)s was shut with the parcel inside.", door=_door(s, d)
    ),
    "parcel.cancelled": lambda s, d: _(
        "The deposit was undone: door %(door)s was shut empty.", door=_door(s, d)
    ),
    "code.reissued": lambda s, d: _("A new pickup code was issued; the old one stopped working."),
    "door.force_open": lambda s, d: _(
        "Door %(door)s was opened for service: %(reason)s", door=s, reason=d.get("reason", "")
    ),
    "compartment.out_of_service": lambda s, d: _(
        "Door %(door)s was taken out of service: %(reason)s", door=s, reason=d.get("reason", "")
    ),
    "door.reported_not_opening": lambda s, d: _(
        "The courier reported that door %(door)s did not open.", door=s
    ),
    "door.interrupted": lambda s, d: _(
        "A command for door %(door)s was cut short by a restart.", door=s
    ),
    "deposit.interrupted": lambda s, d: _(
        "A deposit into door %(door)s was cut short by a restart.", door=s
    ),
    "door.unsettled": lambda s, d: _(
        "Door %(door)s opened, but what followed could not be recorded.", door=s
    ),
    "message.sent": lambda s, d: _("%(kind)s sent by %(channel)s to %(recipient)s.", **_message(d)),
    "message.retry": lambda s, d: _(
        "%(kind)s by %(channel)s not sent yet, to be tried again: %(error)s", **_message(d)
    ),
    "message.failed": lambda s, d: _("%(kind)s by %(channel)s failed: %(error)s", **_message(d)),
    "alarm.acknowledged": lambda s, d: _(
        "Alarm %(seq)s acknowledged: %(note)s", seq=s, note=d.get("note", "")
    ),
    "parcel.expected": lambda s, d: _(
        "Pre-advised by %(carrier)s (size %(size)s) for %(phone)s.",
        carrier=d.get("carrier", ""),
        size=d.get("size", ""),
        phone=d.get("phone", ""),
    ),
    "parcel.preadvice_updated": lambda s, d: _(
        "The pre-advice changed: size %(size)s, for %(phone)s.",
        size=d.get("size", ""),
        phone=d.get("phone", ""),
    ),
    "parcel.withdrawn": lambda s, d: _("The carrier withdrew the pre-advice."),
    "parcel.preadvice_expired": lambda s, d: _(
        "The pre-advised parcel never came: the pre-advice was cancelled."
    ),
    "parcel.no_space": lambda s, d: _(
        "The courier found no free door of size %(size)s.", size=d.get("size", "")
    ),
    "parcel.reminded": lambda s, d: _("The recipient was reminded of the parcel."),
}


def _fields(details: Details) -> str:
    """A record with no sentence: its fields, one after another."""
    return " · ".join(f"{key}: {value}" for key, value in sorted(details.items()))


def record_text(action: str, subject: str, details: Details) -> str:
    """One audit record as a sentence in the screen's language, phones masked."""
    words = SENTENCES.get(action)
    if words is None and action.endswith(".lockout"):
        words = _lockout
    text = words(subject, details) if words is not None else f"{action} · {_fields(details)}"
    return mask_phones_in(text)


def door_command_text(door: str | None, purpose: str, outcome: str) -> str:
    """One door command as a sentence."""
    return _(
        "Door %(door)s: %(purpose)s, %(outcome)s.",
        door=door or "",
        purpose=purpose_names().get(purpose, purpose),
        outcome=outcome_names().get(outcome, outcome).lower(),
    )
