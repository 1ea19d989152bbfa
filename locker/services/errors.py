"""Errors the use cases raise; each message is fit to show the person at the locker."""

from __future__ import annotations

from datetime import datetime

from locker.domain.qr_payload import QrVerdict


class ServiceError(Exception):
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
    """The board did not confirm the unlock; the compartment is now flagged as a fault."""

    def __init__(self, message: str, compartment: str, outcome: str) -> None:
        super().__init__(message)
        self.compartment = compartment
        self.outcome = outcome


class DoorBusyError(ServiceError):
    """A command for this door, parcel or deposit is in flight: it is not sent a second time."""

    def __init__(self, message: str, compartment: str) -> None:
        super().__init__(message)
        self.compartment = compartment


class CodeRejectedError(ServiceError):
    """A pickup code or QR opens nothing; `verdict` says why."""

    def __init__(
        self,
        message: str,
        verdict: QrVerdict,
        locker_id: str | None = None,
        attempts_left: int | None = None,
    ) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.locker_id = locker_id
        self.attempts_left = attempts_left


class LockedOutError(ServiceError):
    """Too many wrong codes, PINs or passwords: refused until `until`."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
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

    def __init__(self, message: str, compartment: str, why: str) -> None:
        super().__init__(message)
        self.compartment = compartment
        self.why = why
