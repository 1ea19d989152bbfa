"""The admin role check shared by the admin blueprints: who is logged in, and for how long."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Response, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as Redirect

from locker.web.request_context import locker_ctx

SESSION_KEY = "admin"
IDLE_TIMEOUT = timedelta(minutes=10)
# Reachable without an admin session; everything else in the admin blueprints is checked.
PUBLIC_ENDPOINTS = frozenset({"admin.login"})


def now() -> datetime:
    """The app's clock (a fake one in tests), so the idle timeout follows it."""
    return locker_ctx().clock.now()


def _session_admin(value: Any) -> tuple[str, datetime] | None:
    """(name, last seen) of a session's admin, or None for anything that is not one."""
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    try:
        return value["name"], datetime.fromisoformat(str(value.get("seen")))
    except ValueError:
        return None


def to_login(expired: bool = False) -> Redirect:
    """303 to the login form; the page asked for comes back as `next`."""
    args: dict[str, Any] = {"next": request.path} if request.method == "GET" else {}
    if expired:
        args["expired"] = "1"
    return redirect(url_for("admin.login", **args), 303)


def require_admin() -> Redirect | None:
    """The role check: no admin session, a courier's, or an idle one goes to the login."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    admin = _session_admin(session.get(SESSION_KEY))
    if admin is None:
        session.pop(SESSION_KEY, None)
        return to_login()
    name, seen = admin
    current = now()
    if current - seen > IDLE_TIMEOUT or locker_ctx().store.admin_password_hash(name) is None:
        session.pop(SESSION_KEY, None)
        return to_login(expired=True)
    session[SESSION_KEY] = {"name": name, "seen": current.isoformat()}
    g.admin = name
    return None


def start_admin_session(username: str) -> None:
    """A fresh session for the admin: nothing a courier or an earlier visitor left carries over."""
    session.clear()
    session[SESSION_KEY] = {"name": username, "seen": now().isoformat()}


def end_admin_session() -> None:
    """Log the admin out of this screen."""
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
