"""Errors raised by the domain rules, each named by a stable code that screens translate."""

from enum import StrEnum


class RefusalError(Exception):
    """A refusal fit to show a person: `code` names it for good, `values` fill in its wording.

    The message is English, for the CLI and the logs. A screen words the refusal from its code
    and values (`locker/web/refusal_text.py`), so rewording a message never loses a translation.
    """

    def __init__(self, message: str, *, code: StrEnum | None = None, **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values: dict[str, object] = values


class DomainRefusal(StrEnum):
    """The domain's refusals; a code never changes once a screen words it."""

    PIN_FORMAT = "pin.format"
    PASSWORD_TOO_SHORT = "password.too_short"
    PASSWORD_TOO_LONG = "password.too_long"
    TEXT_ONE_LINE = "text.one_line"
    PHONE_FORMAT = "phone.format"
    EMAIL_FORMAT = "email.format"
    LANGUAGE_UNKNOWN = "language.unknown"
    SIZE_UNKNOWN = "size.unknown"
    PICKUP_CODE_FORMAT = "pickup_code.format"
    PICKUP_CODE_LENGTH = "pickup_code.length"
    PICKUP_CODES_EXHAUSTED = "pickup_code.exhausted"
    QR_FORMAT = "qr.format"
    QR_NUMBER_RANGE = "qr.number_range"
    LOCKER_ID_FORMAT = "locker_id.format"
    BADGE_COURIER_ID = "badge.courier_id"
    BADGE_UNREADABLE = "badge.unreadable"
    BADGE_FOREIGN = "badge.foreign"
    PARCEL_MOVE = "state.parcel"
    COMPARTMENT_MOVE = "state.compartment"
    PHONE_ENDING_FORMAT = "phone.ending_format"


class DomainError(RefusalError):
    """Base of every error the domain raises; its message is fit to show a person."""


class IllegalTransitionError(DomainError):
    """A state change that the transition table does not allow."""


class InvalidInputError(DomainError):
    """A value from outside (a form, a file, a command line) that breaks a rule."""
