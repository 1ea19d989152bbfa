"""A refusal, worded in the screen's language by its stable code.

The use cases and the domain word their refusals in English for the CLI and the logs, and name
each one by a code (`DomainRefusal`, `ServiceRefusal`) with the values its wording needs. The
screen words it from the code alone, so rewording the English never loses a translation; a
test fails when a code has no words here or no Chinese in the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from locker.domain.errors import DomainRefusal as D
from locker.domain.errors import RefusalError
from locker.services.errors import ServiceRefusal as S

Wording = Callable[[Mapping[str, Any]], str]


# Wordings that more than one code shares.
def _badge_not_valid(values: Mapping[str, Any]) -> str:
    return _("This badge is not valid here. Log in with your id and PIN.")


def _cannot_take_out(values: Mapping[str, Any]) -> str:
    return _("Parcel %(tracking)s cannot be taken out now.", tracking=values["tracking"])


def _too_late_to_withdraw(values: Mapping[str, Any]) -> str:
    return _("This deposit can no longer be withdrawn here: ask an admin.")


def _opens_nothing(values: Mapping[str, Any]) -> str:
    return _("This code opens nothing here.")


def _passwords_locked(values: Mapping[str, Any]) -> str:
    return _(
        "Too many wrong passwords. Try again in %(seconds)s seconds.", seconds=values["seconds"]
    )


WORDINGS: dict[StrEnum, Wording] = {
    # The domain's rules.
    D.PIN_FORMAT: lambda v: _("A PIN is 6 to 12 digits."),
    D.PASSWORD_TOO_SHORT: lambda v: _(
        "A password needs at least %(least)s characters.", least=v["least"]
    ),
    D.PASSWORD_TOO_LONG: lambda v: _("A password has at most %(most)s characters.", most=v["most"]),
    D.TEXT_ONE_LINE: lambda v: _(
        "Type %(least)s to %(most)s characters on one line.", least=v["least"], most=v["most"]
    ),
    D.PHONE_FORMAT: lambda v: _("A phone number is 8 to 15 digits. Type it again."),
    D.PHONE_ENDING_FORMAT: lambda v: _("Type the last four digits of your phone number."),
    D.EMAIL_FORMAT: lambda v: _("An e-mail address looks like name@example.com."),
    D.LANGUAGE_UNKNOWN: lambda v: _("Choose Chinese or English."),
    D.SIZE_UNKNOWN: lambda v: _("Choose a size."),
    D.PICKUP_CODE_FORMAT: lambda v: _("A pickup code has %(n)d digits.", n=v["length"]),
    D.PICKUP_CODE_LENGTH: lambda v: _(
        "The pickup code length must be %(least)s to %(most)s digits: check the settings.",
        least=v["least"],
        most=v["most"],
    ),
    D.PICKUP_CODES_EXHAUSTED: lambda v: _("No free pickup code was found. Try again."),
    D.QR_FORMAT: lambda v: _("This is not a pickup code."),
    D.QR_NUMBER_RANGE: lambda v: _("This parcel cannot have a pickup QR. Ask an admin."),
    D.LOCKER_ID_FORMAT: lambda v: _("A locker id is 1 to 32 letters, digits or '-'."),
    D.BADGE_COURIER_ID: lambda v: _("Badges are for courier ids of 1 to 9 digits."),
    D.BADGE_UNREADABLE: _badge_not_valid,
    D.BADGE_FOREIGN: _badge_not_valid,
    D.PARCEL_MOVE: lambda v: _("This parcel has changed meanwhile. Look again and retry."),
    D.COMPARTMENT_MOVE: lambda v: _("This door has changed meanwhile. Look again and retry."),
    # Couriers and admins.
    S.COURIER_INACTIVE: lambda v: _("This courier account is disabled."),
    S.COURIER_UNKNOWN: lambda v: _("There is no courier with id %(id)s.", id=v["courier"]),
    S.CARRIER_LENGTH: lambda v: _(
        "A carrier is 1 to %(most)s characters on one line.", most=v["most"]
    ),
    S.COURIER_NAME_LENGTH: lambda v: _(
        "A courier's name is 1 to %(most)s characters on one line.", most=v["most"]
    ),
    S.PIN_WRONG: lambda v: _("Courier id or PIN is wrong, or the account is paused."),
    S.PASSWORD_WRONG: lambda v: _("The username or password is wrong."),
    S.CURRENT_PASSWORD_WRONG: lambda v: _("The current password is wrong."),
    S.PINS_LOCKED: lambda v: _(
        "Too many wrong PINs. Try again in %(seconds)s seconds.", seconds=v["seconds"]
    ),
    S.PASSWORDS_LOCKED: _passwords_locked,
    S.LOGIN_RATE: lambda v: _(
        "Too many logins in a minute. Wait %(seconds)s seconds.", seconds=v["seconds"]
    ),
    S.LOGIN_WAIT: lambda v: _(
        "Too many failed logins at this locker. Wait %(seconds)s seconds.", seconds=v["seconds"]
    ),
    S.BADGE_REPLACED: _badge_not_valid,
    S.BADGE_EXPIRED: lambda v: _("This badge has expired: ask for a new one."),
    S.USERNAME_FORMAT: lambda v: _("A username is 1 to 32 letters, digits, '.', '_' or '-'."),
    S.ADMIN_UNKNOWN: lambda v: _("There is no admin called %(name)s.", name=v["username"]),
    S.ADMIN_EXISTS: lambda v: _("There is already an admin called %(name)s.", name=v["username"]),
    # Recipients at the keypad and the camera.
    S.KEYPAD_LOCKED: lambda v: _(
        "The keypad is paused: try again in %(seconds)d seconds, or show your QR code to the "
        "camera.",
        seconds=v["seconds"],
    ),
    S.PICKUP_MALFORMED: _opens_nothing,
    S.PICKUP_FORGED: _opens_nothing,
    S.PICKUP_OTHER_LOCKER: lambda v: _("This code is for locker %(locker)s.", locker=v["locker"]),
    S.PICKUP_EXPIRED: lambda v: _("This code has expired."),
    S.PICKUP_USED: lambda v: _("This parcel has already been collected."),
    S.PICKUP_WITHDRAWN: lambda v: _("This parcel is no longer in this locker."),
    S.PICKUP_REPLACED: lambda v: _("This code was replaced by a newer one."),
    S.PICKUP_UNKNOWN: lambda v: _("Wrong code."),
    S.PICKUP_DOOR_OUT_OF_SERVICE: lambda v: _("Door %(door)s is out of service.", door=v["door"]),
    S.PICKUP_DOOR_FAILED: lambda v: _("Door %(door)s did not open.", door=v["door"]),
    S.PICKUP_PHONE_WRONG: lambda v: _("Wrong phone digits or code."),
    S.PHONE_LOCKED: lambda v: _(
        "This phone number is paused: try again in %(seconds)d seconds, show your QR code to "
        "the camera, or type the code alone.",
        seconds=v["seconds"],
    ),
    S.PHONE_KEYPAD_LOCKED: lambda v: _(
        "Phone numbers are paused here: try again in %(seconds)d seconds, show your QR code to "
        "the camera, or type the code alone.",
        seconds=v["seconds"],
    ),
    # Parcels and doors.
    S.TRACKING_FORMAT: lambda v: _("A tracking number is 4 to 40 letters, digits or '-'."),
    S.PARCEL_UNKNOWN: lambda v: _("No parcel %(tracking)s in this locker.", tracking=v["tracking"]),
    S.PARCEL_NO_DOOR: lambda v: _("Parcel %(tracking)s is in no door.", tracking=v["tracking"]),
    S.PARCEL_ALREADY_HERE: lambda v: _(
        "Parcel %(tracking)s is already in this locker.", tracking=v["tracking"]
    ),
    S.PARCEL_OTHER_CARRIER: lambda v: _("This parcel belongs to another carrier."),
    S.NO_FREE_DOOR: lambda v: _("No free door of size %(size)s or larger.", size=v["size"]),
    S.NO_FREE_LOW_DOOR: lambda v: _("No free low door of size %(size)s or larger.", size=v["size"]),
    S.DOOR_BUSY: lambda v: _(
        "Door %(door)s is being opened already. Wait a moment.", door=v["door"]
    ),
    S.DOOR_UNKNOWN: lambda v: _("There is no door %(label)s.", label=v["door"]),
    S.DEPOSIT_DOOR_FAILED: lambda v: _(
        "Door %(door)s did not open; it is reported for repair. "
        "No parcel was recorded: try again to get another door.",
        door=v["door"],
    ),
    S.DOORS_UNREACHABLE: lambda v: _(
        "The locker cannot reach door %(door)s just now. Nothing was changed: please try again "
        "in a few minutes.",
        door=v["door"],
    ),
    S.STAFF_DOOR_FAILED: lambda v: _(
        "Door %(door)s did not open; the parcel stays inside and the door is reported for repair.",
        door=v["door"],
    ),
    S.UNDO_NOT_OWN: lambda v: _("Only the courier who deposited a parcel can undo it."),
    S.UNDO_NOT_DEPOSITED: _cannot_take_out,
    S.UNDO_WINDOW: lambda v: _(
        "A deposit can only be undone within %(minutes)s minutes.", minutes=v["minutes"]
    ),
    S.DOOR_PROBLEM_NOT_OWN: _too_late_to_withdraw,
    S.DOOR_PROBLEM_TOO_OLD: _too_late_to_withdraw,
    S.DOOR_PROBLEM_SEEN_OPEN: lambda v: _(
        "The board saw door %(door)s open, so the parcel may be inside. Use undo to take it back.",
        door=v["door"],
    ),
    S.RETRIEVE_NOT_EXPIRED: _cannot_take_out,
    S.REISSUE_NOT_WAITING: lambda v: _(
        "Parcel %(tracking)s is not waiting for pickup: there is no code to reissue.",
        tracking=v["tracking"],
    ),
    # Service openings.
    S.OPEN_REASON_REQUIRED: lambda v: _("Say why the door is opened: a reason is required."),
    S.SERVICE_DOOR_FAILED: lambda v: _(
        "Door %(label)s did not open. It is now marked as a fault.", label=v["door"]
    ),
    S.OUT_OF_SERVICE_REASON_REQUIRED: lambda v: _(
        "Say why the compartment is taken out of service."
    ),
    S.MESSAGE_UNKNOWN: lambda v: _("There is no message %(id)s.", id=v["id"]),
    S.MESSAGE_NOT_FAILED: lambda v: _(
        "Message %(id)s has not failed: only a failed message is sent again.", id=v["id"]
    ),
    S.REASON_FORMAT: lambda v: _(
        "A reason is one line of at most %(count)s characters.", count=v["count"]
    ),
    S.LOOK_INSIDE_OPEN: lambda v: _("Door %(label)s stands open.", label=v["door"]),
    S.LOOK_INSIDE_ITEM: lambda v: _(
        "The item sensor sees something in door %(label)s.", label=v["door"]
    ),
    S.LOOK_INSIDE_UNSEEN: lambda v: _("Is door %(label)s empty?", label=v["door"]),
    S.REMOTE_ARGUMENTS: lambda v: _("The remote command's details are not valid."),
    S.REMOTE_OPENS_CAPPED: lambda v: _(
        "Too many doors were opened remotely in the last hour. Open it at the locker."
    ),
    S.REMOTE_SECOND_SIGNATURE: lambda v: _(
        "Door %(label)s holds a parcel: a second operator must approve the remote opening.",
        label=v["door"],
    ),
    # Alarms and the parcel search.
    S.ALARM_UNKNOWN: lambda v: _("There is no alarm %(seq)s.", seq=v["seq"]),
    S.ALARM_ACKNOWLEDGED: lambda v: _(
        "Alarm %(seq)s was acknowledged already, by %(admin)s.", seq=v["seq"], admin=v["admin"]
    ),
    S.ALARM_NOTE_REQUIRED: lambda v: _("Write a note: say what was done about the alarm."),
    S.ALARM_NOTE_FORMAT: lambda v: _(
        "A note is one line of at most %(count)s characters.", count=v["count"]
    ),
    S.SEARCH_FORMAT: lambda v: _(
        "Type a tracking number, the last four digits of a phone number, or a door."
    ),
    S.PARCEL_RECORD_UNKNOWN: lambda v: _("There is no parcel record %(id)s.", id=v["id"]),
    # Carriers' holds on doors, placed and released by the centre.
    S.HOLD_NO_SPACE: lambda v: _(
        "Only %(free)s free doors of size %(size)s are not held already: %(count)s cannot be held.",
        free=v["free"],
        size=v["size"],
        count=v["count"],
    ),
    S.HOLD_EXPIRY: lambda v: _(
        "A hold must end after now and at most %(hours)s hours from now.", hours=v["hours"]
    ),
    S.HOLD_CONFLICT: lambda v: _("Hold %(hold)s was placed with other terms.", hold=v["hold"]),
    S.HOLD_UNKNOWN: lambda v: _("This locker holds no doors as %(hold)s.", hold=v["hold"]),
    # Carriers' pre-advice, as the fleet console shows a locker's refusal.
    S.PREADVICE_ALREADY_DEPOSITED: lambda v: _(
        "Parcel %(tracking)s was put in this locker already: it cannot be pre-advised.",
        tracking=v["tracking"],
    ),
    S.PREADVICE_NOT_EXPECTED: lambda v: _(
        "Parcel %(tracking)s is no longer expected: only an expected parcel can be withdrawn.",
        tracking=v["tracking"],
    ),
    S.PREADVICE_UNKNOWN: lambda v: _(
        "No parcel %(tracking)s was pre-advised here.", tracking=v["tracking"]
    ),
    # Fleet couriers, as the fleet console shows a locker's refusal.
    S.COURIER_NOT_FLEET: lambda v: _(
        "Courier %(courier)s is this locker's own account: the centre cannot change it.",
        courier=v["courier"],
    ),
    S.COURIER_STALE_GRANT: lambda v: _(
        "This locker holds courier %(courier)s at revision %(held)s, later than %(revision)s.",
        courier=v["courier"],
        held=v["held"],
        revision=v["revision"],
    ),
}


def refusal_text(error: Exception) -> str:
    """The refusal as the screen shows it, in the request's language.

    An error with no code (the store's) shows its own message.
    """
    if isinstance(error, RefusalError) and error.code in WORDINGS:
        return WORDINGS[error.code](error.values)
    return str(error)
