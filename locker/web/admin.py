"""The admin area: login with an idle timeout, the dashboard, the door log and door actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
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
from locker.domain.models import Compartment, Size
from locker.domain.phone import mask_phone
from locker.domain.plain_text import MAX_REASON_CHARS, is_one_line
from locker.domain.states import CompartmentState, next_compartment_state
from locker.services.accounts import check_admin
from locker.services.alarms import open_alarms
from locker.services.audit_log import verify_audit
from locker.services.context import LockerContext
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
from locker.services.hold_doors import active_holds
from locker.services.open_doors import doors_left_open
from locker.services.reissue_code import reissue_code
from locker.services.service_state import held_parcel, return_to_service, set_out_of_service
from locker.services.staff_sessions import LOGOUT
from locker.web.admin_alarms import alarm_row
from locker.web.admin_doors import DoorFilter, filtered, parse_filter, rows_csv
from locker.web.admin_messages import message_summary
from locker.web.admin_session import (
    admin_page,
    end_admin_session,
    no_store,
    require_admin,
    search_back,
    searched,
    start_admin_session,
)
from locker.web.audit_words import compartment_state_names, outcome_names, purpose_names
from locker.web.form_values import local_path
from locker.web.refusal_text import refusal_text
from locker.web.repeat_guard import REFUSAL_HOLD_S, once_per_tap
from locker.web.request_context import locker_ctx
from locker.web.screen_time import zone
from locker.web.staff_login import login_origin, refusal_values

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(no_store)

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
    """End the admin session, and every copy of its cookie; the dashboard's Back leaves for the
    locker's home screen."""
    end_admin_session(LOGOUT)
    if request.form.get("leave") == "yes":
        return redirect(url_for("kiosk.home"), 303)
    return redirect(url_for("admin.login"), 303)


def _state_names() -> dict[CompartmentState, str]:
    return compartment_state_names()


def _attention(ctx: LockerContext, compartments: list[Compartment]) -> list[dict[str, Any]]:
    """Doors out of order, and doors standing open longer than the reminder, by label, each with
    the parcel behind it."""
    settings = current_app.config["LOCKER_SETTINGS"]
    reminder = timedelta(seconds=settings.door_open_reminder_seconds)
    open_since = {door.label: door.since for door in doors_left_open(ctx, reminder)}
    now = ctx.clock.now()
    return [
        {
            "compartment": c,
            "out_of_order": c.state in CompartmentState.unusable(),
            "open_since": open_since.get(c.label),
            "open_minutes": int((now - open_since[c.label]).total_seconds() // 60)
            if c.label in open_since
            else None,
            "held": held_parcel(ctx, c.label),
        }
        for c in compartments
        if c.state in CompartmentState.unusable() or c.label in open_since
    ]


@bp.get("/")
def dashboard() -> tuple[str, int]:
    """Occupancy by size and state, doors needing attention, the outbox, alarms and the audit
    chain."""
    ctx = locker_ctx()
    compartments = list(ctx.store.compartments())
    counts = Counter((c.size, c.state) for c in compartments)
    checked, broken = verify_audit(ctx)
    return admin_page(
        "admin/dashboard.html",
        sizes=list(Size),
        states=list(CompartmentState),
        state_names=_state_names(),
        counts=counts,
        # A parcel behind a door out of order waits for staff: the helpline asks for it here.
        attention=_attention(ctx, compartments),
        labels=[c.label for c in compartments],
        alarms=[alarm_row(a) for a in open_alarms(ctx, RECENT_ALARMS)],
        audit_checked=checked,
        audit_break=broken,
        health=current_app.extensions["locker_health"](),
        messages=message_summary(ctx),
        holds=active_holds(ctx),
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
        purpose_words=purpose_names(),
        outcome_words=outcome_names(),
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
    """Back where the action started (the dashboard, or the parcel search), with the result."""
    flash(message, "ok" if ok else "error")
    return redirect(search_back() or url_for("admin.dashboard"), 303)


def _label() -> str:
    return request.form.get("label", "").strip().upper()


def _confirmed() -> bool:
    """The admin answered the confirmation step; a first tap only asks."""
    return request.form.get("confirmed") == "yes"


@bp.post("/doors/open")
@once_per_tap()
def open_door() -> Redirect | tuple[str, int]:
    """Force a door open for service, with a reason on the audit record; the first tap asks,
    naming the parcel behind the door."""
    label = _label()
    ctx = locker_ctx()
    reason = request.form.get("reason", "")
    try:
        inside = held_parcel(ctx, label)
        if not _confirmed():
            back = search_back() or url_for("admin.dashboard")
            return admin_page(
                "admin/open_confirm.html",
                label=label,
                reason=reason.strip()[:MAX_REASON_CHARS],
                parcel=inside,
                q=searched(),
                back_to=back,
            )
        force_open(ctx, g.admin, label, reason)
    except (InvalidInputError, NotFoundError, DoorDidNotOpenError, DoorBusyError) as refusal:
        return _done(refusal_text(refusal), ok=False)
    return _done(_("Door %(label)s is open.", label=label))


@bp.post("/compartments/out-of-service")
@once_per_tap()
def take_out() -> Redirect | tuple[str, int]:
    """Stop using a compartment, with a reason; the first tap asks, naming any parcel inside."""
    label = _label()
    ctx = locker_ctx()
    reason = request.form.get("reason", "")
    try:
        # Its recipient's code will be refused at this door: the admin says so knowingly.
        given = bool(reason.strip()) and is_one_line(reason, MAX_REASON_CHARS)
        if given and not _confirmed():
            inside = held_parcel(ctx, label)
            # A door that cannot go out of service now is refused before anyone is asked.
            next_compartment_state(
                ctx.store.compartment(label).state, CompartmentState.OUT_OF_SERVICE
            )
            return admin_page(
                "admin/take_out_confirm.html",
                label=label,
                reason=reason.strip(),
                parcel=inside,
                back_to=url_for("admin.dashboard"),
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
        return _reissue_page()
    tracking = request.form.get("tracking", "").strip()
    try:
        receipt = reissue_code(locker_ctx(), f"admin:{g.admin}", tracking)
    except NotFoundError:
        return _reissue_page(404, error="unknown", tracking=tracking)
    except NotAllowedError:
        return _reissue_page(409, error="not_waiting", tracking=tracking)
    return _reissue_page(receipt=receipt, phone=mask_phone(receipt.parcel.recipient_phone))


def _reissue_page(status: int = 200, **values: Any) -> tuple[str, int]:
    """The reissue page; reissued from a parcel search, Back returns to its results."""
    return admin_page("admin/reissue.html", status, back_to=search_back(), q=searched(), **values)
