"""Operators' logins: the same password hashing as the kiosk, a failure budget, and sessions
that every copy of the cookie loses on logout (the operator's session_version moves on)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.wrappers.response import Response

from locker.centre.login_budget import LoginBudget
from locker.centre.schema import operators
from locker.centre.store import CentreStore
from locker.domain.passwords import verify_secret

bp = Blueprint("accounts", __name__)

MAX_USERNAME = 64
OPEN_ENDPOINTS = frozenset({"accounts.login", "static"})


@dataclass(frozen=True)
class Operator:
    """The operator behind this request's session."""

    username: str
    role: str


def store() -> CentreStore:
    """The centre's store, shared by the app's threads."""
    found: CentreStore = current_app.extensions["centre_store"]
    return found


def _budget() -> LoginBudget:
    found: LoginBudget = current_app.extensions["centre_logins"]
    return found


def _account(username: str) -> Any:
    with store().engine.connect() as connection:
        return connection.execute(select(operators).where(operators.c.username == username)).first()


@bp.before_app_request
def require_operator() -> Response | None:
    """Every page but the login page needs a live operator session."""
    g.operator = None
    username, version = session.get("operator"), session.get("version")
    if isinstance(username, str) and isinstance(version, int):
        row = _account(username)
        if row is not None and row.active and row.session_version == version:
            g.operator = Operator(row.username, row.role)
    if g.operator is None and request.endpoint not in OPEN_ENDPOINTS:
        # Only the login goes: the form token in the same session must survive a stray
        # request (the browser's favicon) between the login page and its POST.
        session.pop("operator", None)
        session.pop("version", None)
        if request.method == "GET" and request.endpoint != "live.stream":
            return redirect(f"/login?next={request.path}", 303)
        return redirect("/login", 303)
    return None


def operator() -> Operator:
    """The logged-in operator (the guard above has made sure of one)."""
    found: Operator = g.operator
    return found


def _local(target: str | None) -> str:
    """Only a path on this console, never another site or a header of its own."""
    if not target or len(target) > 200 or not target.isprintable():
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return "/"
    return parts.path


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """Username and password; a POST always redirects (post/redirect/get)."""
    if request.method == "GET":
        return render_template("centre/login.html", next=_local(request.args.get("next")))
    username = request.form.get("username", "").strip()[:MAX_USERNAME]
    password = request.form.get("password", "")
    origin = f"addr:{request.remote_addr}"
    budget = _budget()
    try_ids = budget.begin([f"user:{username}", origin])
    if try_ids is None:
        flash(_("Too many failed logins: wait ten minutes and try again."), "error")
        return redirect("/login", 303)
    row = _account(username) if username.isprintable() else None
    stored = row.password_hash if row is not None and row.active else None
    if not verify_secret(password, stored):
        # The try stays written down: it is one failure.
        flash(_("Wrong username or password."), "error")
        return redirect("/login", 303)
    budget.forget(try_ids)
    assert row is not None  # verify_secret is False without an account
    session.clear()
    session["operator"], session["version"] = row.username, int(row.session_version)
    return redirect(_local(request.form.get("next")), 303)


@bp.post("/logout")
def logout() -> Response:
    """End this operator's sessions: every copy of the cookie stops working."""
    with store().engine.begin() as connection:
        connection.execute(
            update(operators)
            .where(operators.c.username == operator().username)
            .values(session_version=operators.c.session_version + 1)
        )
    session.clear()
    return redirect("/login", 303)
