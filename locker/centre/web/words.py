"""The console's words for what the store holds: events, alarms, command states and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _


def _zone() -> tzinfo:
    """The console's time zone: the centre's `timezone` setting."""
    if has_app_context():
        settings = current_app.extensions.get("centre_settings")
        if settings is not None:
            return ZoneInfo(settings.timezone)
    return UTC


def when(at: float | None) -> str:
    """A moment in the console's time zone, to the second, with the zone's offset."""
    if at is None:
        return "—"
    try:
        moment = datetime.fromtimestamp(at, _zone())
    except (ValueError, OverflowError, OSError):
        return "—"
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"


SIZE_ORDER = ("XS", "S", "M", "L", "XL", "XXL")


def by_size(counts: object) -> list[tuple[str, object]]:
    """A state's counts by door size, smallest first."""
    if not isinstance(counts, dict):
        return []
    rank = {size: n for n, size in enumerate(SIZE_ORDER)}
    return sorted(counts.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


def at_words(at: str) -> str:
    """An audit record's ISO time on the centre's clock, to the second."""
    try:
        return when(datetime.fromisoformat(at).timestamp())
    except (ValueError, OverflowError, OSError):
        # A locker's record is shown as it came, whatever its clock wrote.
        return at


def event_words(action: str) -> str:
    """An audit record's action in words; an unknown one as it is."""
    names = {
        "door.force_open": _("Door opened for service"),
        "door.fault": _("Door did not open"),
        "door.unreachable": _("Bus down: door not reached"),
        "parcel.deposited": _("Parcel deposited"),
        "parcel.collected": _("Parcel picked up"),
        "parcel.expired": _("Parcel expired"),
        "parcel.shut_in": _("Door shut on the parcel"),
        "parcel.returned": _("Parcel taken back by the courier"),
        "parcel.expected": _("Parcel pre-advised"),
        "parcel.withdrawn": _("Pre-advice withdrawn"),
        "parcel.preadvice_expired": _("Pre-advised parcel never came"),
        "parcel.no_space": _("No free door for a pre-advised parcel"),
        "parcel.reminded": _("Recipient reminded"),
        "hold.placed": _("Doors held for a carrier"),
        "hold.released": _("Carrier's hold released"),
        "hold.expired": _("Carrier's hold ran out"),
        "hold.used_up": _("Carrier's hold used up"),
        "courier.added": _("Courier added"),
        "courier.synced": _("Courier from the centre updated"),
        "code.reissued": _("New pickup code sent"),
        "pickup.refused": _("Pickup refused"),
        "alarm.door_opened_without_command": _("Door opened with no command"),
        "alarm.acknowledged": _("Alarm acknowledged"),
        "alert.door_left_open": _("Door left open"),
        "sensor.fault": _("Item sensor disagrees"),
        "remote.refused": _("Remote command refused"),
        "uplink.resend_events": _("Events sent again"),
        "compartment.out_of_service": _("Door taken out of service"),
        "compartment.in_service": _("Door back in service"),
        "locker.initialised": _("Locker set up"),
        "layout.loaded": _("Layout loaded"),
    }
    return names.get(action, action)


def alarm_words(kind: str) -> str:
    """A centre alarm's kind in words."""
    names = {
        "chain_fork": _("History rewritten on the locker"),
        "chain_broken": _("Audit chain broken"),
        "clock_skew": _("Locker clock is wrong"),
    }
    return names.get(kind, kind)


def action_words(action: str) -> str:
    """A remote action in words."""
    names = {
        "force_open": _("Open a door"),
        "out_of_service": _("Take a door out of service"),
        "in_service": _("Put a door back in service"),
        "reissue_code": _("Send a new pickup code"),
        "acknowledge_alarm": _("Acknowledge an alarm"),
    }
    return names.get(action, action)


def status_words(status: str) -> str:
    """Where a remote command stands."""
    names = {
        "pending": _("Waiting for a second operator"),
        "signing": _("Being signed"),
        "sent": _("Sent, waiting for the locker"),
        "accepted": _("Accepted by the locker"),
        "done": _("Done"),
        "refused": _("Refused by the locker"),
        "unsent": _("Not sent: the broker is unreachable"),
        "lapsed": _("No answer before the command expired"),
    }
    return names.get(status, status)


def refusal_words(code: str | None) -> str:
    """Why a locker refused a command."""
    names = {
        "remote.second_signature": _(
            "The door holds a parcel: a second operator must approve the opening."
        ),
        "remote.opens_capped": _("Too many doors were opened remotely in the last hour."),
        "remote.arguments": _("The locker did not understand the command's details."),
        "replayed": _("The locker had seen this command before."),
        "expired": _("The command expired before it reached the locker."),
        "from_the_future": _("The locker's clock is behind the centre's."),
        "not_allowed": _("This certificate may not sign this action."),
        "unknown_signer": _("The locker does not trust this certificate."),
        "failed": _("The locker could not run the command (a fault on the locker)."),
        "malformed": _("The command was not in the form the locker reads."),
        "bad_signature": _("A signature does not match what was signed."),
        "certificate_expired": _("The signer's certificate was not valid at the time."),
        "courier.not_fleet": _("The locker has a courier of its own with this id."),
        "courier.stale_grant": _("The locker holds a later change of this courier."),
    }
    return names.get(code or "", _("Refused (%(code)s).", code=code or "?"))


def problem_words(code: str) -> str:
    """Why the console sent nothing."""
    names = {
        "password": _("Wrong password: nothing was sent."),
        "locker": _("Choose a locker the centre knows."),
        "action": _("Choose an action from the list."),
        "door": _("A door is a letter and two or three digits, such as A01."),
        "reason": _("Give a reason on one line, 3 to 200 characters."),
        "note": _("A note is one line of at most 200 characters."),
        "tracking": _("A tracking number is letters, digits and . _ @ - (up to 64)."),
        "alarm": _("Choose an alarm from the list."),
        "form": _("The form was not sent as the console made it: open it again."),
        "unsent": _("The broker is unreachable: the command was not sent."),
        "not_pending": _("This command no longer waits for a second operator."),
        "same_operator": _("A second operator must be someone else."),
        "role": _("Only an admin may do that."),
    }
    return names.get(code, code)


def state_of_door(state: dict[str, Any]) -> str:
    """A door's state from a locker's snapshot, in words."""
    names = {
        "open": _("Standing open"),
        "fault": _("Fault"),
        "out_of_service": _("Out of service"),
    }
    return names.get(str(state.get("state")), str(state.get("state")))
