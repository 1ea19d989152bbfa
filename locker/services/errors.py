"""Errors the use cases raise, each named by a stable code that screens translate."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from locker.domain.errors import RefusalError
from locker.domain.qr_payload import QrVerdict


class ServiceRefusal(StrEnum):
    """The use cases' refusals; a code never changes once a screen words it."""

    TRACKING_FORMAT = "tracking.format"
    COURIER_INACTIVE = "courier.inactive"
    COURIER_UNKNOWN = "courier.unknown"
    CARRIER_LENGTH = "courier.carrier_length"
    COURIER_NAME_LENGTH = "courier.name_length"
    PIN_WRONG = "login.wrong_pin"
    PASSWORD_WRONG = "login.wrong_password"
    CURRENT_PASSWORD_WRONG = "login.wrong_current_password"
    PINS_LOCKED = "login.pins_locked"
    PASSWORDS_LOCKED = "login.passwords_locked"
    LOGIN_RATE = "login.rate"
    LOGIN_WAIT = "login.wait"
    BADGE_REPLACED = "badge.replaced"
    BADGE_EXPIRED = "badge.expired"
    USERNAME_FORMAT = "admin.username_format"
    ADMIN_UNKNOWN = "admin.unknown"
    ADMIN_EXISTS = "admin.exists"
    KEYPAD_LOCKED = "keypad.locked"
    PICKUP_MALFORMED = "pickup.malformed"
    PICKUP_FORGED = "pickup.forged"
    PICKUP_OTHER_LOCKER = "pickup.other_locker"
    PICKUP_EXPIRED = "pickup.expired"
    PICKUP_USED = "pickup.used"
    PICKUP_WITHDRAWN = "pickup.withdrawn"
    PICKUP_REPLACED = "pickup.replaced"
    PICKUP_UNKNOWN = "pickup.unknown"
    PICKUP_DOOR_OUT_OF_SERVICE = "pickup.door_out_of_service"
    PICKUP_DOOR_FAILED = "pickup.door_failed"
    PARCEL_UNKNOWN = "parcel.unknown"
    PARCEL_NO_DOOR = "parcel.no_door"
    PARCEL_ALREADY_HERE = "parcel.already_here"
    PARCEL_OTHER_CARRIER = "parcel.other_carrier"
    NO_FREE_DOOR = "door.none_free"
    NO_FREE_LOW_DOOR = "door.none_free_low"
    DOOR_BUSY = "door.busy"
    DOOR_UNKNOWN = "door.unknown"
    DEPOSIT_DOOR_FAILED = "deposit.door_failed"
    DOORS_UNREACHABLE = "door.unreachable"
    STAFF_DOOR_FAILED = "staff.door_failed"
    UNDO_NOT_OWN = "undo.not_own"
    UNDO_NOT_DEPOSITED = "undo.not_deposited"
    UNDO_WINDOW = "undo.window"
    DOOR_PROBLEM_NOT_OWN = "door_problem.not_own"
    DOOR_PROBLEM_TOO_OLD = "door_problem.too_old"
    DOOR_PROBLEM_SEEN_OPEN = "door_problem.seen_open"
    RETRIEVE_NOT_EXPIRED = "retrieve.not_expired"
    REISSUE_NOT_WAITING = "reissue.not_waiting"
    OPEN_REASON_REQUIRED = "service.open_reason_required"
    SERVICE_DOOR_FAILED = "service.door_failed"
    OUT_OF_SERVICE_REASON_REQUIRED = "service.out_of_service_reason_required"
    REASON_FORMAT = "service.reason_format"
    MESSAGE_UNKNOWN = "message.unknown"
    MESSAGE_NOT_FAILED = "message.not_failed"
    LOOK_INSIDE_OPEN = "service.look_inside_open"
    LOOK_INSIDE_ITEM = "service.look_inside_item"
    LOOK_INSIDE_UNSEEN = "service.look_inside_unseen"
    REMOTE_ARGUMENTS = "remote.arguments"
    REMOTE_OPENS_CAPPED = "remote.opens_capped"
    REMOTE_SECOND_SIGNATURE = "remote.second_signature"
    ALARM_UNKNOWN = "alarm.unknown"
    ALARM_ACKNOWLEDGED = "alarm.acknowledged"
    ALARM_NOTE_REQUIRED = "alarm.note_required"
    ALARM_NOTE_FORMAT = "alarm.note_format"
    SEARCH_FORMAT = "search.format"
    PARCEL_RECORD_UNKNOWN = "parcel.record_unknown"
    # The phone-and-code path (decision 0005).
    PHONE_LOCKED = "keypad.phone_locked"
    PHONE_KEYPAD_LOCKED = "keypad.phone_keypad_locked"
    PICKUP_PHONE_WRONG = "pickup.phone_wrong"
    # Carriers' holds on doors (decision 0004).
    HOLD_NO_SPACE = "hold.no_space"
    HOLD_EXPIRY = "hold.expiry"
    HOLD_CONFLICT = "hold.conflict"
    HOLD_UNKNOWN = "hold.unknown"
    # Carriers' pre-advice (the centre's signed commands).
    PREADVICE_ALREADY_DEPOSITED = "preadvice.already_deposited"
    PREADVICE_NOT_EXPECTED = "preadvice.not_expected"
    PREADVICE_UNKNOWN = "preadvice.unknown"
    # Fleet couriers, granted by the centre (locker/services/fleet_couriers.py).
    COURIER_NOT_FLEET = "courier.not_fleet"
    COURIER_STALE_GRANT = "courier.stale_grant"


class ServiceError(RefusalError):
    """A use case refused; nothing was left half done."""


class NotFoundError(ServiceError):
    """The parcel, compartment or account named does not exist."""


class NotAllowedError(ServiceError):
    """The person asking may not do this, or not now."""


class AuthenticationError(ServiceError):
    """A PIN, password or badge did not match."""


class NoCompartmentError(ServiceError):
    """No free compartment fits the parcel."""


class DoorDidNotOpenError(ServiceError):
    """The board did not confirm the unlock (the compartment is now flagged as a fault), or the
    bus was down and nothing was sent (`outcome` "not_sent": nothing changed)."""

    def __init__(
        self, message: str, compartment: str, outcome: str, *, code: StrEnum, **values: object
    ) -> None:
        super().__init__(message, code=code, door=compartment, **values)
        self.compartment = compartment
        self.outcome = outcome


class DoorBusyError(ServiceError):
    """A command for this door, parcel or deposit is in flight: it is not sent a second time."""

    def __init__(self, message: str, compartment: str, *, code: StrEnum, **values: object) -> None:
        super().__init__(message, code=code, door=compartment, **values)
        self.compartment = compartment


class CodeRejectedError(ServiceError):
    """A pickup code or QR opens nothing; `verdict` says why."""

    def __init__(
        self,
        message: str,
        verdict: QrVerdict,
        locker_id: str | None = None,
        attempts_left: int | None = None,
        *,
        code: StrEnum,
        **values: object,
    ) -> None:
        super().__init__(
            message, code=code, locker=locker_id, attempts_left=attempts_left, **values
        )
        self.verdict = verdict
        self.locker_id = locker_id
        self.attempts_left = attempts_left


class LockedOutError(ServiceError):
    """Too many wrong codes, PINs or passwords: refused until `until`."""

    def __init__(self, message: str, until: datetime, *, code: StrEnum, **values: object) -> None:
        super().__init__(message, code=code, **values)
        self.until = until


class TooManyLoginsError(LockedOutError):
    """More logins to one account in a minute than allowed, right or wrong."""


class LoginWaitError(LockedOutError):
    """Failed staff logins across the locker: every staff login waits until `until`."""


class LookInsideError(ServiceError):
    """A door is not put back as free on the records alone: someone must see it empty first.

    `why` is "item_present" (the item sensor sees something), "door_open" (it stands open),
    or "unseen" (no item sensor, or its board did not answer).
    """

    def __init__(self, message: str, compartment: str, why: str, *, code: StrEnum) -> None:
        super().__init__(message, code=code, door=compartment)
        self.compartment = compartment
        self.why = why
