"""The recipient's phone-and-code path: the phone number's last four digits, then the code.

Both steps are keypad pages; a badly typed or wrong entry shows the same keypad again with
what was typed still in the field, and the refusal above it (decision 0005 for the budgets).
"""

from __future__ import annotations

from flask import Blueprint, request

from locker.domain.errors import DomainRefusal, InvalidInputError
from locker.services.collect_by_phone import check_phone_ending, collect_by_phone
from locker.services.errors import (
    CodeRejectedError,
    DoorBusyError,
    DoorDidNotOpenError,
    LockedOutError,
    ServiceRefusal,
)
from locker.web.form_values import kept_typing
from locker.web.kiosk import _opened, door_refusal, kiosk_page
from locker.web.repeat_guard import once_per_tap
from locker.web.request_context import locker_ctx

bp = Blueprint("phone_pickup", __name__)
DIGITS_PAGE = "kiosk/phone_digits.html"
CODE_PAGE = "kiosk/phone_code.html"


def _paused(locked: LockedOutError) -> tuple[str, int]:
    """A phone number, or every phone number, is paused: say how long, and what else works."""
    seconds = max(1, int((locked.until - locker_ctx().clock.now()).total_seconds()))
    reason = "phone_locked" if locked.code is ServiceRefusal.PHONE_LOCKED else "phone_paused"
    return kiosk_page("kiosk/refused.html", 429, reason=reason, seconds=seconds)


@bp.get("/pickup/phone")
def digits() -> tuple[str, int]:
    """Step 1: the last four digits of the phone number the message went to."""
    return kiosk_page(DIGITS_PAGE)


@bp.post("/pickup/phone")
@once_per_tap()
def digits_typed() -> tuple[str, int]:
    """Step 1 done: on to the code, unless the digits are badly typed or paused."""
    typed = request.form.get("phone_end", "").strip()
    try:
        ending = check_phone_ending(locker_ctx(), typed)
    except InvalidInputError:
        return kiosk_page(DIGITS_PAGE, 400, refused="phone_ending", typed=kept_typing(typed))
    except LockedOutError as locked:
        return _paused(locked)
    return kiosk_page(CODE_PAGE, ending=ending)


@bp.post("/pickup/phone/code")
@once_per_tap()
def code_typed() -> tuple[str, int]:
    """Step 2: the code, for a parcel sent to a phone ending in the digits of step 1."""
    ending = request.form.get("phone_end", "").strip()
    typed = request.form.get("code", "").strip()
    try:
        result = collect_by_phone(locker_ctx(), ending, typed)
    except InvalidInputError as bad:
        if bad.code is DomainRefusal.PHONE_ENDING_FORMAT:
            return kiosk_page(DIGITS_PAGE, 400, refused="phone_ending", typed=kept_typing(ending))
        return kiosk_page(CODE_PAGE, 400, refused="format", ending=ending, typed=kept_typing(typed))
    except LockedOutError as locked:
        return _paused(locked)
    except CodeRejectedError as refusal:
        if refusal.code is ServiceRefusal.PICKUP_PHONE_WRONG:
            return kiosk_page(
                CODE_PAGE,
                403,
                refused="phone_wrong",
                ending=ending,
                typed=kept_typing(typed),
                attempts_left=refusal.attempts_left,
            )
        # The right digits and code for a parcel no longer to be had: expired, collected...
        return kiosk_page("kiosk/refused.html", 403, reason=refusal.verdict.value)
    except DoorDidNotOpenError as failure:
        return kiosk_page("kiosk/refused.html", 503, **door_refusal(failure))
    except DoorBusyError as busy:
        return kiosk_page("kiosk/refused.html", 409, reason="door_busy", door=busy.compartment)
    return _opened([result])
