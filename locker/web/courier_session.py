"""The courier role check and the courier's session on this screen: start, check and end.

A session holds its account's session version from the store; a request is served only while
the account still has it, so logout, a new PIN or badge, or a disabled account end every copy
of the cookie (locker/services/staff_sessions.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import redirect, request, session, url_for

from locker.domain.models import Courier
from locker.services.staff_sessions import IDLE, courier_session, end_courier_session
from locker.web.request_context import locker_ctx

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "courier"
# The session key of bulk mode: the size and low-door choice kept between parcels.
BULK = "bulk"
# An unattended courier screen logs out by itself.
IDLE_TIMEOUT_S = 300
# The one page a courier whose PIN predates the 6-digit rule may reach.
NEW_PIN_ENDPOINT = "courier.new_pin"


def _now_s() -> float:
    return locker_ctx().clock.now().timestamp()


def session_courier() -> dict[str, Any] | None:
    """The session's courier, or None for anything that is not a courier's session."""
    who = session.get(SESSION_KEY)
    if not isinstance(who, dict):
        return None
    fields = (who.get("id"), who.get("v"), who.get("seen"))
    if not all(isinstance(value, int | float) for value in fields):
        return None
    return who


def _current(who: dict[str, Any]) -> bool:
    return courier_session(locker_ctx(), int(who["id"])) == who["v"]


def courier_required(view: F) -> F:
    """The role check: only a logged-in, current and recently active courier gets past.

    A courier with a PIN from before the 6-digit rule reaches nothing but the page that
    replaces it.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        who = session_courier()
        if who is None or not _current(who):
            forget_courier()
            return redirect(url_for("courier.login"))
        if _now_s() - who["seen"] > IDLE_TIMEOUT_S:
            end_session(IDLE)
            return redirect(url_for("courier.login"))
        if who.get("new_pin") and request.endpoint != NEW_PIN_ENDPOINT:
            return redirect(url_for(NEW_PIN_ENDPOINT))
        who["seen"] = _now_s()
        session[SESSION_KEY] = who
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def start_session(courier: Courier, new_pin: bool = False) -> None:
    """Log the courier in on this screen, with none of an earlier courier's bulk choices.

    `new_pin`: the PIN was set under the old, shorter rule and is replaced before anything else.
    """
    session.pop(BULK, None)
    session[SESSION_KEY] = {
        "id": courier.id,
        "name": courier.name,
        "seen": _now_s(),
        "v": courier_session(locker_ctx(), courier.id),
        "new_pin": new_pin,
    }


def renew_session(version: int) -> None:
    """Keep this screen's session after the courier's own change moved the version on."""
    who = session_courier()
    if who is not None:
        session[SESSION_KEY] = {**who, "v": version, "new_pin": False}


def end_session(reason: str) -> None:
    """End this screen's courier session and every copy of it, audited with the reason."""
    who = session_courier()
    if who is not None and _current(who):
        end_courier_session(locker_ctx(), int(who["id"]), reason)
    forget_courier()


def forget_courier() -> None:
    """Drop the courier and their bulk choices from this browser's session."""
    session.pop(SESSION_KEY, None)
    session.pop(BULK, None)


def courier_id() -> int:
    """The logged-in courier's id (behind courier_required)."""
    return int(session[SESSION_KEY]["id"])
