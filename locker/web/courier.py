"""The couriers' screens: log in, deposit, undo a wrong deposit, take back expired parcels."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from locker.domain import badge
from locker.domain.errors import DomainError
from locker.domain.models import Size
from locker.domain.states import CompartmentState
from locker.services.accounts import login_by_badge, login_courier
from locker.services.cancel_deposit import cancel_deposit
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import ServiceError
from locker.services.report_door_problem import report_door_not_opened
from locker.services.retrieve_expired import expired_for, retrieve_expired
from locker.web.app import locker_ctx

bp = Blueprint("courier", __name__, url_prefix="/courier")
F = TypeVar("F", bound=Callable[..., Any])
# An unattended courier screen logs out by itself.
IDLE_TIMEOUT_S = 300


def _now_s() -> float:
    return locker_ctx().clock.now().timestamp()


def courier_required(view: F) -> F:
    """The role check: only a logged-in, recently active courier gets past."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        who = session.get("courier")
        if not who or _now_s() - who.get("seen", 0) > IDLE_TIMEOUT_S:
            session.pop("courier", None)
            return redirect(url_for("courier.login"))
        who["seen"] = _now_s()
        session["courier"] = who
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _courier_id() -> int:
    return int(session["courier"]["id"])


def _page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    ctx = locker_ctx()
    free = Counter(c.size for c in ctx.store.compartments() if c.state is CompartmentState.FREE)
    return render_template(
        template,
        locker=ctx.store.locker(),
        free={size.value: free.get(size, 0) for size in Size},
        sizes=[size.value for size in Size],
        **values,
    ), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Courier id and PIN, or a badge QR scanned into the id field by a keyboard-wedge scanner."""
    if request.method == "GET":
        return _page("courier/login.html")
    typed = request.form.get("courier_id", "").strip()
    try:
        if typed.startswith(badge.PREFIX + ":"):
            courier = login_by_badge(locker_ctx(), typed)
        else:
            courier = login_courier(locker_ctx(), int(typed or 0), request.form.get("pin", ""))
    except (ServiceError, ValueError) as refusal:
        return _page("courier/login.html", 403, error=str(refusal))
    session["courier"] = {"id": courier.id, "name": courier.name, "seen": _now_s()}
    return redirect(url_for("courier.menu"))


@bp.post("/logout")
def logout() -> Response:
    """Leave the courier screens."""
    session.pop("courier", None)
    return redirect(url_for("kiosk.home"))


@bp.get("/")
@courier_required
def menu() -> tuple[str, int]:
    """What a courier can do here, with the free doors per size."""
    return _page("courier/menu.html", expired=len(expired_for(locker_ctx(), _courier_id())))


@bp.route("/deposit", methods=["GET", "POST"])
@courier_required
def deposit() -> tuple[str, int]:
    """Scan or type the tracking number, enter the phone, choose a size: the door opens."""
    if request.method == "GET":
        return _page("courier/deposit.html")
    form = request.form
    try:
        receipt = deposit_parcel(
            locker_ctx(),
            _courier_id(),
            form.get("tracking", ""),
            form.get("phone", ""),
            Size.parse(form.get("size", "S")),
            needs_low=form.get("low") == "yes",
        )
    except (DomainError, ServiceError) as refusal:
        return _page("courier/deposit.html", 400, error=str(refusal), form=form)
    return _page("courier/door_open.html", receipt=receipt)


@bp.post("/undo")
@courier_required
def undo() -> tuple[str, int]:
    """Take back a wrong deposit (within the cancel window): its door opens again if shut."""
    tracking = request.form.get("tracking", "")
    try:
        label = cancel_deposit(locker_ctx(), _courier_id(), tracking)
    except (DomainError, ServiceError) as refusal:
        return _page("courier/menu.html", 400, error=str(refusal), expired=0)
    return _page("courier/undone.html", door=label, tracking=tracking)


@bp.post("/door-problem")
@courier_required
def door_problem() -> tuple[str, int]:
    """The door did not open: withdraw the deposit, flag the door, and offer another one."""
    try:
        label = report_door_not_opened(
            locker_ctx(), _courier_id(), request.form.get("tracking", "")
        )
    except (DomainError, ServiceError) as refusal:
        return _page("courier/menu.html", 400, error=str(refusal), expired=0)
    return _page("courier/deposit.html", reported=label)


@bp.route("/retrieve", methods=["GET", "POST"])
@courier_required
def retrieve() -> tuple[str, int]:
    """Expired parcels of this courier's carrier, opened one by one."""
    ctx = locker_ctx()
    opened, error = None, None
    if request.method == "POST":
        try:
            opened = retrieve_expired(ctx, _courier_id(), request.form.get("tracking", ""))
        except (DomainError, ServiceError) as refusal:
            error = str(refusal)
    parcels = expired_for(ctx, _courier_id())
    return _page("courier/retrieve.html", parcels=parcels, opened=opened, error=error)
