"""What the courier and admin login pages share: where a login comes from, and how long to wait."""

from __future__ import annotations

import math
from typing import Any

from locker.services.errors import LockedOutError, LoginWaitError, TooManyLoginsError
from locker.services.login_budget import LoginOrigin
from locker.web.kiosk_screen import from_kiosk_screen
from locker.web.request_context import locker_ctx


def login_origin() -> LoginOrigin:
    """The locker's own screen, or the network: each has its own locker-wide wait."""
    return LoginOrigin.SCREEN if from_kiosk_screen() else LoginOrigin.NETWORK


def refusal_values(refused: LockedOutError) -> dict[str, Any]:
    """The login page's `error` and `seconds` for a refusal that asks to wait.

    "wait": failed logins across the locker; "rate": the account's logins in a minute, right
    or wrong; "locked": the account's wrong secrets.
    """
    seconds = max(1, math.ceil((refused.until - locker_ctx().clock.now()).total_seconds()))
    if isinstance(refused, LoginWaitError):
        error = "wait"
    elif isinstance(refused, TooManyLoginsError):
        error = "rate"
    else:
        error = "locked"
    return {"error": error, "seconds": seconds}
