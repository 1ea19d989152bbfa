"""The admin role check shared by the admin blueprints: who is logged in, and for how long."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Response, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as Redirect

from locker.domain.errors import InvalidInputError
from locker.services.parcel_search import search_terms
from locker.services.staff_sessions import IDLE, admin_session
from locker.services.staff_sessions import end_admin_session as end_every_admin_session
from locker.web.request_context import locker_ctx

SESSION_KEY = "admin"
IDLE_TIMEOUT = timedelta(minutes=10)
# How stale the session's "last seen" may grow before a page writes it again. Writing it on every
# page re-signed and re-sent the cookie every time (a twelfth of a busy kiosk's CPU); the session
# can only end up to this much sooner than ten idle minutes, never later.
SEEN_REFRESH = timedelta(seconds=30)
# Reachable without an admin session; everything else in the admin blueprints is checked.
PUBLIC_ENDPOINTS = frozenset({"admin.login"})


def now() -> datetime:
    """The app's clock (a fake one in tests), so the idle timeout follows it."""
    return locker_ctx().clock.now()


def _session_admin(value: Any) -> tuple[str, datetime, int] | None:
    """(name, last seen, session version) of a session's admin, or None for anything else."""
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    if not isinstance(value.get("v"), int):
        return None
    try:
        return value["name"], datetime.fromisoformat(str(value.get("seen"))), value["v"]
    except ValueError:
        return None


def to_login(expired: bool = False) -> Redirect:
    """303 to the login form; the page asked for comes back as `next`."""
    args: dict[str, Any] = {"next": request.path} if request.method == "GET" else {}
    if expired:
        args["expired"] = "1"
    return redirect(url_for("admin.login", **args), 303)


def require_admin() -> Redirect | None:
    """The role check: no admin session, a courier's, an ended or an idle one goes to the login.

    The session must hold its admin's current session version: logout, a new password or a
    removed account end every copy of the cookie.
    """
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    admin = _session_admin(session.get(SESSION_KEY))
    if admin is None:
        session.pop(SESSION_KEY, None)
        return to_login()
    name, seen, version = admin
    ctx = locker_ctx()
    if admin_session(ctx, name) != version:
        session.pop(SESSION_KEY, None)
        return to_login()
    current = now()
    if current - seen > IDLE_TIMEOUT:
        end_admin_session(IDLE)
        return to_login(expired=True)
    if current - seen >= SEEN_REFRESH:
        session[SESSION_KEY] = {"name": name, "seen": current.isoformat(), "v": version}
    g.admin = name
    return None


def start_admin_session(username: str) -> None:
    """A fresh session for the admin: nothing a courier or an earlier visitor left carries over."""
    session.clear()
    version = admin_session(locker_ctx(), username)
    session[SESSION_KEY] = {"name": username, "seen": now().isoformat(), "v": version}


def renew_admin_session(version: int) -> None:
    """Keep this session after the admin's own password change moved the version on."""
    admin = _session_admin(session.get(SESSION_KEY))
    if admin is not None:
        session[SESSION_KEY] = {"name": admin[0], "seen": now().isoformat(), "v": version}


def end_admin_session(reason: str) -> None:
    """Log the admin out of this screen and end every copy of the session, audited."""
    admin = _session_admin(session.get(SESSION_KEY))
    if admin is not None and admin_session(locker_ctx(), admin[0]) == admin[2]:
        end_every_admin_session(locker_ctx(), admin[0], reason)
    session.pop(SESSION_KEY, None)


def no_store(response: Response) -> Response:
    """Admin pages hold codes and the log: no browser or proxy keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def admin_page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    """Render an admin page with the locker and the logged-in admin."""
    return render_template(
        template, locker=locker_ctx().store.locker(), admin=g.get("admin"), **values
    ), status


def searched() -> str:
    """The parcel search an action was started from (its `q`), or "" when it was none."""
    typed = request.values.get("q", "")
    try:
        search_terms(typed)
    except InvalidInputError:
        return ""
    return typed.strip()


def search_back() -> str | None:
    """The page of the parcel search an action was started from, to go back to; None for an
    action started elsewhere."""
    typed = searched()
    return url_for("parcels.search", q=typed) if typed else None
