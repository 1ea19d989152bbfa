"""The admin area: login with an idle timeout, the dashboard, the door log and door actions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as Redirect

from locker.domain.errors import IllegalTransitionError, InvalidInputError
from locker.domain.models import Size
from locker.domain.phone import mask_phone, mask_phones_in
from locker.domain.plain_text import MAX_REASON_CHARS, is_one_line
from locker.domain.states import CompartmentState
from locker.services.accounts import check_admin
from locker.services.audit_log import verify_audit
from locker.services.errors import (
    AuthenticationError,
    DoorBusyError,
    DoorDidNotOpenError,
    LockedOutError,
    LookInsideError,
    NotAllowedError,
    NotFoundError,
)
from locker.services.force_open import force_open
from locker.services.reissue_code import reissue_code
from locker.services.service_state import held_parcel, return_to_service, set_out_of_service
from locker.services.staff_sessions import LOGOUT
from locker.web.admin_doors import DoorFilter, filtered, parse_filter, rows_csv
from locker.web.admin_messages import message_summary
from locker.web.admin_session import (
    admin_page,
    end_admin_session,
    no_store,
    require_admin,
    start_admin_session,
)
from locker.web.form_values import local_path
from locker.web.refusal_text import refusal_text
from locker.web.repeat_guard import REFUSAL_HOLD_S, once_per_tap
from locker.web.request_context import locker_ctx
from locker.web.screen_time import short_time, zone
from locker.web.staff_login import login_origin, refusal_values

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(no_store)

ALARM_ACTIONS = frozenset(
    {
        "alarm.door_opened_without_command",
        "alert.door_left_open",
        "sensor.fault",
        "door.fault",
        "pickup.refused",
    }
)
RECENT_ALARMS = 20
# The store gives the newest door commands first; the log filters within this many.
DOOR_LOG_SCAN = 10_000
DOOR_LOG_SHOWN = 500


def _safe_next(target: str | None) -> str:
    """Only a path inside the admin area, never another site nor a header of its own."""
    return local_path(target, "/admin/") or url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def login() -> Redirect | tuple[str, int]:
    """Username and password, within the account's failure budget."""
    values: dict[str, Any] = {
        "expired": request.args.get("expired") == "1",
        "next": request.args.get("next", ""),
    }
    if request.method == "GET":
        return admin_page("admin/login.html", **values)
    username = request.form.get("username", "").strip()
    try:
        check_admin(locker_ctx(), username, request.form.get("password", ""), login_origin())
    except LockedOutError as refused:
        return admin_page("admin/login.html", 429, **refusal_values(refused), **values)
    except AuthenticationError:
        return admin_page("admin/login.html", 401, error="wrong", username=username, **values)
    start_admin_session(username)
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.post("/logout")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def logout() -> Redirect:
    """End the admin session, and every copy of its cookie."""
    end_admin_session(LOGOUT)
    return redirect(url_for("admin.login"), 303)


def _state_names() -> dict[CompartmentState, str]:
    return {
        CompartmentState.FREE: _("Free"),
        CompartmentState.RESERVED: _("Reserved"),
        CompartmentState.OPEN: _("Standing open"),
        CompartmentState.OCCUPIED: _("Occupied"),
        CompartmentState.FAULT: _("Fault"),
        CompartmentState.OUT_OF_SERVICE: _("Out of service"),
    }


def _alarm_names() -> dict[str, str]:
    return {
        "alarm.door_opened_without_command": _("Door opened with no command"),
        "alert.door_left_open": _("Door left open"),
        "sensor.fault": _("Item sensor disagrees"),
        "door.fault": _("Door did not open"),
        # A code refused at a door out of order, or a forged or replaced QR.
        "pickup.refused": _("Pickup refused"),
    }


def _alarms(records: list[Any]) -> list[dict[str, str]]:
    """The newest alarms, faults and lockouts, newest first, with phones masked."""
    names = _alarm_names()
    picked = [r for r in records if r.action in ALARM_ACTIONS or r.action.endswith(".lockout")]
    return [
        {
            "at": short_time(r.at),
            "action": r.action,
            "what": names.get(r.action, _("Too many wrong attempts")),
            "subject": mask_phones_in(r.subject),
            "details": mask_phones_in(json.dumps(dict(r.details), ensure_ascii=False)),
        }
        for r in reversed(picked[-RECENT_ALARMS:])
    ]


@bp.get("/")
def dashboard() -> tuple[str, int]:
    """Occupancy by size and state, doors needing attention, the outbox, alarms and the audit
    chain."""
    ctx = locker_ctx()
    compartments = list(ctx.store.compartments())
    counts = Counter((c.size, c.state) for c in compartments)
    checked, broken = verify_audit(ctx)
    attention = [c for c in compartments if c.state in CompartmentState.unusable()]
    return admin_page(
        "admin/dashboard.html",
        sizes=list(Size),
        states=list(CompartmentState),
        state_names=_state_names(),
        counts=counts,
        attention=attention,
        # A parcel behind a door out of order waits for staff: the helpline asks for it here.
        held={c.label: held_parcel(ctx, c.label) for c in attention},
        labels=[c.label for c in compartments],
        alarms=_alarms(list(ctx.store.audit_records())),
        audit_checked=checked,
        audit_break=broken,
        health=current_app.extensions["locker_health"](),
        messages=message_summary(ctx),
    )


def _door_log() -> tuple[DoorFilter, list[str], list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """(filter, unreadable dates, every scanned row, the rows that match)."""
    wanted, bad_dates = parse_filter(request.args)
    rows = locker_ctx().store.door_operations(DOOR_LOG_SCAN)
    return wanted, bad_dates, rows, filtered(rows, wanted, zone())


@bp.get("/doors")
def doors() -> tuple[str, int]:
    """The door log, newest first, narrowed by door, dates, actor and action."""
    wanted, bad_dates, scanned, rows = _door_log()
    return admin_page(
        "admin/doors.html",
        wanted=wanted,
        bad_dates=bad_dates,
        rows=rows[:DOOR_LOG_SHOWN],
        total=len(rows),
        labels=[c.label for c in locker_ctx().store.compartments()],
        purposes=sorted({str(r["purpose"]) for r in scanned}),
    )


@bp.get("/doors.csv")
def doors_csv() -> Response:
    """The filtered door log as a CSV download."""
    return Response(
        rows_csv(_door_log()[3]),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=door-log.csv"},
    )


def _done(message: str, ok: bool = True) -> Redirect:
    flash(message, "ok" if ok else "error")
    return redirect(url_for("admin.dashboard"), 303)


def _label() -> str:
    return request.form.get("label", "").strip().upper()


@bp.post("/doors/open")
@once_per_tap()
def open_door() -> Redirect:
    """Force a door open for service; the reason goes on the audit record."""
    label = _label()
    try:
        force_open(locker_ctx(), g.admin, label, request.form.get("reason", ""))
    except (InvalidInputError, NotFoundError, DoorDidNotOpenError, DoorBusyError) as refusal:
        return _done(refusal_text(refusal), ok=False)
    return _done(_("Door %(label)s is open.", label=label))


@bp.post("/compartments/out-of-service")
@once_per_tap()
def take_out() -> Redirect | tuple[str, int]:
    """Stop using a compartment, with a reason; a door with a parcel inside asks first."""
    label = _label()
    ctx = locker_ctx()
    reason = request.form.get("reason", "")
    try:
        # Its recipient's code will be refused at this door: the admin says so knowingly.
        given = bool(reason.strip()) and is_one_line(reason, MAX_REASON_CHARS)
        inside = held_parcel(ctx, label) if given else None
        if inside is not None and request.form.get("confirmed") != "yes":
            return admin_page(
                "admin/take_out_confirm.html", label=label, reason=reason.strip(), parcel=inside
            )
        inside = set_out_of_service(ctx, g.admin, label, reason)
    except (InvalidInputError, NotFoundError) as refusal:
        return _done(refusal_text(refusal), ok=False)
    except IllegalTransitionError:
        state = _state_names()[ctx.store.compartment(label).state]
        return _done(
            _(
                "Compartment %(label)s cannot be taken out of service while it is %(state)s.",
                label=label,
                state=state,
            ),
            ok=False,
        )
    if inside is not None:
        return _done(
            _(
                "Compartment %(label)s is out of service with parcel %(tracking)s inside.",
                label=label,
                tracking=inside.tracking,
            )
        )
    return _done(_("Compartment %(label)s is out of service.", label=label))


@bp.post("/compartments/in-service")
@once_per_tap()
def put_back() -> Redirect | tuple[str, int]:
    """Put a faulty or out-of-service compartment back into use, once it is known to be empty."""
    label = _label()
    looked = request.form.get("looked") == "yes"
    try:
        state = return_to_service(locker_ctx(), g.admin, label, looked_inside=looked)
    except LookInsideError as look:
        return admin_page("admin/put_back_confirm.html", 409, label=label, why=look.why)
    except NotFoundError as refusal:
        return _done(refusal_text(refusal), ok=False)
    except IllegalTransitionError:
        return _done(_("Compartment %(label)s is already in service.", label=label), ok=False)
    return _done(
        _(
            "Compartment %(label)s is back in service (%(state)s).",
            label=label,
            state=_state_names()[state],
        )
    )


@bp.route("/reissue", methods=["GET", "POST"])
@once_per_tap()
def reissue() -> tuple[str, int]:
    """A new pickup code for a parcel, shown on this one response only."""
    if request.method == "GET":
        return admin_page("admin/reissue.html")
    tracking = request.form.get("tracking", "").strip()
    try:
        receipt = reissue_code(locker_ctx(), f"admin:{g.admin}", tracking)
    except NotFoundError:
        return admin_page("admin/reissue.html", 404, error="unknown", tracking=tracking)
    except NotAllowedError:
        return admin_page("admin/reissue.html", 409, error="not_waiting", tracking=tracking)
    return admin_page(
        "admin/reissue.html",
        receipt=receipt,
        phone=mask_phone(receipt.parcel.recipient_phone),
    )
