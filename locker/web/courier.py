"""The couriers' screens: log in, deposit, undo a wrong deposit, take back expired parcels."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import ngettext
from werkzeug.wrappers import Response

from locker.domain import badge
from locker.domain.errors import DomainError
from locker.domain.models import Parcel, Size
from locker.domain.passwords import new_pin_due
from locker.domain.phone import mask_phone
from locker.domain.states import ParcelState
from locker.services.accounts import (
    MAX_COURIER_ID,
    badge_login,
    change_courier_pin,
    login_courier,
)
from locker.services.cancel_deposit import cancel_deposit
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import AuthenticationError, LockedOutError, ServiceError
from locker.services.expected_deposit import ExpectedDeposit, expected_for_courier
from locker.services.hold_doors import free_doors_for
from locker.services.recent_deposits import recent_deposits
from locker.services.report_door_problem import door_problem_refusal, report_door_not_opened
from locker.services.retrieve_expired import expired_for, retrieve_expired
from locker.services.staff_sessions import LOGOUT
from locker.web.cabinet_view import cabinet_columns, fitting_by_size
from locker.web.courier_session import (
    BULK,
    courier_required,
    end_session,
    forget_courier,
    renew_session,
    session_courier,
    start_session,
)
from locker.web.courier_session import courier_id as _courier_id
from locker.web.deposit_notice import closed_text
from locker.web.expected_form import as_json, no_space_text, preadvice_text, prefill
from locker.web.form_values import parse_id
from locker.web.qr_image import qr_data_uri
from locker.web.refusal_text import refusal_text
from locker.web.repeat_guard import REFUSAL_HOLD_S, once_per_tap
from locker.web.request_context import locker_ctx
from locker.web.staff_login import login_origin, refusal_values

bp = Blueprint("courier", __name__, url_prefix="/courier")
# The recipient's language, as the deposit screen offers it: each in its own words.
RECIPIENT_LANGUAGES = {"zh": "中文", "en": "English"}


def _free_for_this_courier(ctx: LockerContext) -> dict[str, int]:
    """Free doors per size that the courier on this screen may take: their carrier's held doors
    count, other carriers' do not (and none does before a login)."""
    who = session_courier()
    courier = ctx.store.courier(int(who["id"])) if who is not None else None
    return free_doors_for(ctx, courier.carrier if courier is not None else None)


def courier_page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    """A courier's page, with the locker, the free doors per size and the cabinet map."""
    ctx = locker_ctx()
    compartments = list(ctx.store.compartments())
    free = _free_for_this_courier(ctx)
    return render_template(
        template,
        locker=ctx.store.locker(),
        free=free,
        fitting=fitting_by_size(free),
        sizes=[size.value for size in Size],
        cabinet=cabinet_columns(compartments),
        has_camera=current_app.extensions.get("locker_camera") is not None,
        **values,
    ), status


@bp.route("/login", methods=["GET", "POST"])
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def login() -> Any:
    """Courier id and PIN, or a badge QR scanned into the id field by a keyboard-wedge scanner."""
    if request.method == "GET":
        return courier_page("courier/login.html")
    ctx = locker_ctx()
    typed = request.form.get("courier_id", "").strip()
    if badge.is_badge_text(typed):
        try:
            courier = badge_login(ctx, typed, login_origin())
        except AuthenticationError:
            return courier_page("courier/login.html", 403, error="badge")
        start_session(courier)
        return redirect(url_for("courier.menu"))
    pin = request.form.get("pin", "")
    try:
        courier = login_courier(ctx, _typed_id(typed), pin, login_origin())
    except LockedOutError as refused:
        return courier_page("courier/login.html", 429, **refusal_values(refused))
    except ServiceError:
        return courier_page("courier/login.html", 403, error="wrong")
    # A PIN from before the 6-digit rule logs in once more, to be replaced at once.
    start_session(courier, new_pin=new_pin_due(pin))
    return redirect(url_for("courier.new_pin" if new_pin_due(pin) else "courier.menu"))


def _typed_id(typed: str) -> int:
    """The typed courier id; anything but 1 to 9 digits names no account (id 0)."""
    return parse_id(typed, MAX_COURIER_ID) or 0


@bp.post("/logout")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def logout() -> Response:
    """Leave the courier screens; a copy of this session's cookie stops working too."""
    end_session(LOGOUT)
    return redirect(url_for("kiosk.home"))


@bp.route("/pin", methods=["GET", "POST"])
@courier_required
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def new_pin() -> Any:
    """A new PIN of 6 to 12 digits, for a courier whose PIN was set under the old rule."""
    who = session_courier()
    if who is None or not who.get("new_pin"):
        return redirect(url_for("courier.menu"))
    if request.method == "GET":
        return courier_page("courier/new_pin.html")
    pin = request.form.get("new_pin", "").strip()
    if pin != request.form.get("repeat", "").strip():
        return courier_page("courier/new_pin.html", 400, error="differ")
    try:
        renew_session(change_courier_pin(locker_ctx(), _courier_id(), pin))
    except DomainError:
        return courier_page("courier/new_pin.html", 400, error="rule")
    except ServiceError:  # disabled meanwhile
        forget_courier()
        return redirect(url_for("courier.login"))
    return redirect(url_for("courier.menu"))


@bp.get("/")
@courier_required
def menu() -> tuple[str, int]:
    """What a courier can do here, with the free doors per size."""
    return _menu()


def _menu(status: int = 200, **values: Any) -> tuple[str, int]:
    """The menu, with the courier's deposits that can still be undone: a reload, the idle
    return or a new login loses the door-open page, never the undo."""
    ctx = locker_ctx()
    expired = len(expired_for(ctx, _courier_id()))
    return courier_page(
        "courier/menu.html",
        status,
        expired=expired,
        recent=recent_deposits(ctx, _courier_id()),
        window_minutes=int(ctx.rules.cancel_window.total_seconds() // 60),
        **values,
    )


@bp.get("/free.json")
@courier_required
def free_doors() -> dict[str, Any]:
    """Free doors per size, and the words for them, for the deposit page's live counts."""
    free = _free_for_this_courier(locker_ctx())
    words = {s: ngettext("%(num)d free", "%(num)d free", n) for s, n in free.items()}
    return {"free": free, "fitting": fitting_by_size(free), "words": words}


def _locker_language() -> str:
    """The language of recipients whose own the courier does not choose."""
    return locker_ctx().rules.messages.language


def _expected(tracking: str) -> ExpectedDeposit | None:
    """The courier's carrier's pre-advice for a scanned tracking number, if there is one."""
    return expected_for_courier(locker_ctx(), _courier_id(), tracking) if tracking else None


@bp.get("/expected.json")
@courier_required
def expected_parcel() -> dict[str, Any]:
    """What a scanned tracking number fills in, for the deposit page after a scan."""
    found = _expected(request.args.get("tracking", ""))
    return {"expected": False} if found is None else as_json(found, _locker_language())


def _deposit_form(status: int = 200, **values: Any) -> tuple[str, int]:
    """The deposit form; in bulk mode it keeps the last size, low-door and language choice.

    A tracking number the courier's carrier pre-advised fills in the rest, under what the
    courier chose already (a refused deposit comes back as the courier left it).
    """
    kept = session.get(BULK) or {}
    values.setdefault("tracking", request.args.get("tracking", "").strip()[:40])
    expected = _expected(values["tracking"])
    if expected is not None:
        prefill(values, expected, _locker_language())
        values.update(
            expected=expected, preadvice=preadvice_text(), no_space=no_space_text(expected)
        )
    values.setdefault("size", request.args.get("size") or kept.get("size", "auto"))
    values.setdefault("low", kept.get("low", False))
    values.setdefault("language", kept.get("language") or _locker_language())
    return courier_page(
        "courier/deposit.html", status, bulk=bool(kept), languages=RECIPIENT_LANGUAGES, **values
    )


def _chosen_size(text: str) -> Size:
    """The size asked for; "smallest that fits" is S, as allocation moves up a size when full."""
    return Size.S if text in ("", "auto") else Size.parse(text)


@bp.route("/deposit", methods=["GET", "POST"])
@courier_required
@once_per_tap()
def deposit() -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Scan or type the tracking number, enter the phone (and an e-mail, the recipient's
    language), choose a size: the door opens."""
    if request.method == "GET":
        return _deposit_form()
    form = request.form
    size, low = form.get("size", "auto"), form.get("low") == "yes"
    language = form.get("language") or _locker_language()
    # Bulk mode keeps this parcel's choices for the next one, so each takes a tap or two.
    if form.get("bulk") == "yes":
        kept = language if language in RECIPIENT_LANGUAGES else None
        session[BULK] = {"size": size, "low": low, "language": kept}
    else:
        session.pop(BULK, None)
    ctx = locker_ctx()
    try:
        receipt = deposit_parcel(
            ctx,
            _courier_id(),
            form.get("tracking", ""),
            form.get("phone", ""),
            _chosen_size(size),
            needs_low=low,
            email=form.get("email", ""),
            language=language,
        )
    except (DomainError, ServiceError) as refusal:
        # The phone and e-mail are never echoed back into the page: they are typed again.
        return _deposit_form(
            400,
            error=refusal_text(refusal),
            tracking=form.get("tracking", ""),
            size=size,
            low=low,
            language=language if language in RECIPIENT_LANGUAGES else _locker_language(),
        )
    # With no channel to the recipient, the courier is the only way the code reaches them: this
    # one page shows it (and its QR, and the deadline), as an admin's reissue does.
    untold = not receipt.channels
    page = courier_page(
        "courier/door_open.html",
        receipt=receipt,
        masked_phone=mask_phone(receipt.parcel.recipient_phone),
        bulk=BULK in session,
        door_problem=door_problem_refusal(ctx, receipt.parcel, _courier_id()) is None,
        closed_text=closed_text(receipt.channels),
        untold=untold,
        qr_image=qr_data_uri(receipt.qr) if untold else None,
    )
    # The page may hold the only copy of a code: no browser keeps it to show again.
    return (*page, {"Cache-Control": "no-store"})


def _own_parcel(tracking: str) -> Parcel | None:
    """The courier's own parcel with this tracking number, if there is one."""
    store = locker_ctx().store
    courier = store.courier(_courier_id())
    wanted = tracking.strip().upper()[:40]
    parcel = store.parcel_by_tracking(wanted, courier.carrier) if courier else None
    return parcel if parcel is not None and parcel.courier_id == _courier_id() else None


@bp.post("/undo")
@courier_required
@once_per_tap()
def undo() -> tuple[str, int]:
    """Take back a wrong deposit (within the cancel window): its door opens again if shut."""
    tracking = request.form.get("tracking", "")
    try:
        label = cancel_deposit(locker_ctx(), _courier_id(), tracking)
    except (DomainError, ServiceError) as refusal:
        return _menu(400, error=refusal_text(refusal))
    parcel = _own_parcel(tracking)
    assert parcel is not None
    return courier_page("courier/undo.html", door=label, tracking=parcel.tracking)


@bp.get("/undo")
@courier_required
def undo_result() -> tuple[str, int]:
    """How an undo ended once the door shut: undone, or the parcel is still inside."""
    parcel = _own_parcel(request.args.get("tracking", ""))
    if parcel is None:
        return _menu()
    if parcel.state is ParcelState.CANCELLED:
        size = parcel.size
        sizes = list(Size)
        bigger = sizes[sizes.index(size) + 1].value if size and size is not sizes[-1] else None
        return courier_page(
            "courier/undone.html", door=parcel.compartment, tracking=parcel.tracking, bigger=bigger
        )
    # Not undone: the door still stands open, or the sensor saw the parcel still inside.
    return courier_page(
        "courier/undo.html",
        door=parcel.compartment,
        tracking=parcel.tracking,
        still_inside=parcel.undo_requested_at is None,
    )


@bp.post("/door-problem")
@courier_required
@once_per_tap()
def door_problem() -> tuple[str, int]:
    """The door did not open: withdraw the deposit, flag the door, and offer another one."""
    tracking = request.form.get("tracking", "")
    try:
        label = report_door_not_opened(locker_ctx(), _courier_id(), tracking)
    except (DomainError, ServiceError) as refusal:
        return _menu(400, error=refusal_text(refusal))
    return _deposit_form(reported=label, tracking=tracking)


@bp.route("/retrieve", methods=["GET", "POST"])
@courier_required
@once_per_tap()
def retrieve() -> tuple[str, int]:
    """Expired parcels of this courier's carrier, opened one by one."""
    ctx = locker_ctx()
    opened, error = None, None
    if request.method == "POST":
        try:
            opened = retrieve_expired(ctx, _courier_id(), request.form.get("tracking", ""))
        except (DomainError, ServiceError) as refusal:
            error = refusal_text(refusal)
    parcels = expired_for(ctx, _courier_id())
    return courier_page("courier/retrieve.html", parcels=parcels, opened=opened, error=error)
