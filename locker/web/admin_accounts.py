"""Admin screens for accounts: couriers (add, disable, enable, new PIN) and admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from locker.domain.errors import DomainError
from locker.services.accounts import (
    MAX_COURIER_ID,
    add_admin,
    add_courier,
    change_admin_password,
    courier_account,
    reset_courier_pin,
    set_courier_active,
)
from locker.services.errors import AuthenticationError, LockedOutError, ServiceError
from locker.store import StoreError
from locker.web.admin_session import admin_page, no_store, renew_admin_session, require_admin
from locker.web.form_values import parse_id
from locker.web.refusal_text import refusal_text
from locker.web.repeat_guard import once_per_tap
from locker.web.request_context import locker_ctx
from locker.web.staff_login import login_origin, refusal_values

bp = Blueprint("accounts", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(no_store)
REFUSALS = (DomainError, ServiceError, StoreError)


def _back(message: str, ok: bool = True) -> Response:
    flash(message, "ok" if ok else "error")
    return redirect(url_for("accounts.accounts"), 303)


def _courier_id() -> int:
    """The courier named in the form; anything but a courier id names none (0)."""
    return parse_id(request.form.get("courier_id"), MAX_COURIER_ID) or 0


@bp.get("/accounts")
def accounts() -> tuple[str, int]:
    """Courier accounts, and the forms to add couriers and admins."""
    return admin_page("admin/accounts.html", couriers=list(locker_ctx().store.couriers()))


@bp.post("/couriers")
@once_per_tap()
def new_courier() -> Any:
    """Add a courier; the id they log in with is shown once."""
    form = request.form
    try:
        courier = add_courier(
            locker_ctx(),
            form.get("carrier", ""),
            form.get("name", ""),
            form.get("pin", ""),
            f"admin:{g.admin}",
        )
    except REFUSALS as refusal:
        return _back(refusal_text(refusal), ok=False)
    return _back(
        _("Courier %(name)s added: they log in with id %(id)s.", name=courier.name, id=courier.id)
    )


@bp.post("/couriers/active")
@once_per_tap()
def courier_active() -> Any:
    """Disable or enable a courier account; disabling asks first, naming the courier."""
    active = request.form.get("active") == "yes"
    try:
        if not active and request.form.get("confirmed") != "yes":
            courier = courier_account(locker_ctx(), _courier_id())
            return admin_page(
                "admin/disable_confirm.html",
                courier=courier,
                back_to=url_for("accounts.accounts"),
            )
        set_courier_active(locker_ctx(), _courier_id(), active, f"admin:{g.admin}")
    except REFUSALS as refusal:
        return _back(refusal_text(refusal), ok=False)
    return _back(_("Courier account enabled.") if active else _("Courier account disabled."))


@bp.post("/couriers/pin")
@once_per_tap()
def courier_pin() -> Any:
    """Give a courier a new PIN."""
    try:
        reset_courier_pin(
            locker_ctx(), _courier_id(), request.form.get("pin", ""), f"admin:{g.admin}"
        )
    except REFUSALS as refusal:
        return _back(refusal_text(refusal), ok=False)
    return _back(_("The courier's PIN was changed."))


@bp.post("/admins")
@once_per_tap()
def new_admin() -> Any:
    """Add another admin."""
    try:
        add_admin(
            locker_ctx(),
            request.form.get("username", ""),
            request.form.get("password", ""),
            f"admin:{g.admin}",
        )
    except REFUSALS as refusal:
        return _back(refusal_text(refusal), ok=False)
    return _back(_("Admin %(name)s added.", name=request.form.get("username", "")))


def _waiting(refused: LockedOutError) -> str:
    """Why a password change must wait, and for how long."""
    values = refusal_values(refused)
    error, seconds = values["error"], values["seconds"]
    if error == "wait":
        return _(
            "Too many failed logins at this locker. Wait %(seconds)s seconds.",
            seconds=seconds,
        )
    if error == "rate":
        return _("Too many logins in a minute. Wait %(seconds)s seconds.", seconds=seconds)
    return _("Too many wrong passwords. Try again in %(seconds)s seconds.", seconds=seconds)


@bp.post("/password")
@once_per_tap()
def own_password() -> Any:
    """Change the logged-in admin's own password, given the current one; other sessions end."""
    try:
        version = change_admin_password(
            locker_ctx(),
            g.admin,
            request.form.get("current", ""),
            request.form.get("password", ""),
            login_origin(),
        )
    except LockedOutError as refused:
        return _back(_waiting(refused), ok=False)
    except AuthenticationError:
        return _back(_("The current password is wrong."), ok=False)
    except REFUSALS as refusal:
        return _back(refusal_text(refusal), ok=False)
    renew_admin_session(version)
    return _back(_("Your password was changed."))
