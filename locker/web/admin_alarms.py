"""The admin's alarms: each in words, acknowledged with a note typed on the screen's keys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from locker.domain.errors import InvalidInputError
from locker.domain.phone import mask_phones_in
from locker.services.alarms import Alarm, acknowledge_alarm, alarm, open_alarms
from locker.services.errors import NotAllowedError, NotFoundError
from locker.web.admin_session import admin_page, no_store, require_admin
from locker.web.audit_words import alarm_name, record_text
from locker.web.form_values import parse_id
from locker.web.refusal_text import refusal_text
from locker.web.repeat_guard import once_per_tap
from locker.web.request_context import locker_ctx
from locker.web.screen_time import short_time

bp = Blueprint("alarms", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(no_store)

SHOWN = 100


def alarm_row(found: Alarm) -> dict[str, Any]:
    """An alarm as the screens show it: in words, phones masked."""
    return {
        "seq": found.seq,
        "at": short_time(found.at),
        "action": found.action,
        "what": alarm_name(found.action),
        "subject": mask_phones_in(found.subject),
        "details": record_text(found.action, found.subject, found.details),
    }


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    """The open alarms; with `asked`, the one being acknowledged and its note field on top."""
    rows = [alarm_row(a) for a in open_alarms(locker_ctx(), SHOWN)]
    return admin_page("admin/alarms.html", status, alarms=rows, **values)


@bp.get("/alarms")
def alarms() -> tuple[str, int]:
    """Every open alarm; `ack` names the one to acknowledge, whose note is typed here."""
    seq = parse_id(request.args.get("ack"))
    if seq is None:
        return _page()
    try:
        asked = alarm_row(alarm(locker_ctx(), seq))
    except (NotFoundError, NotAllowedError) as refusal:
        status = 404 if isinstance(refusal, NotFoundError) else 409
        return _page(status, error=refusal_text(refusal))
    return _page(asked=asked)


@bp.post("/alarms/acknowledge")
@once_per_tap()
def acknowledge() -> Response | tuple[str, int]:
    """Acknowledge an alarm with the admin's note; it leaves the dashboard's list."""
    seq = parse_id(request.form.get("seq")) or 0
    ctx = locker_ctx()
    try:
        acknowledge_alarm(ctx, g.admin, seq, request.form.get("note", ""))
    except InvalidInputError as refusal:
        # The note is asked for again, on the same alarm.
        return _ask_again(seq, refusal_text(refusal))
    except (NotFoundError, NotAllowedError) as refusal:
        return _refused(refusal_text(refusal))
    flash(_("Alarm %(seq)s is acknowledged.", seq=seq), "ok")
    return redirect(url_for("admin.dashboard"), 303)


def _ask_again(seq: int, error: str) -> Response | tuple[str, int]:
    try:
        asked = alarm_row(alarm(locker_ctx(), seq))
    except (NotFoundError, NotAllowedError) as refusal:
        return _refused(refusal_text(refusal))
    return _page(400, asked=asked, error=error)


def _refused(message: str) -> Response:
    flash(message, "error")
    return redirect(url_for("alarms.alarms"), 303)
