"""The fleet, one locker, and the alarms: read from the centre's store, live by SSE."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request
from flask_babel import gettext as _
from werkzeug.wrappers.response import Response

from locker.centre import fleet_view
from locker.centre.fleet_couriers import CourierDesk
from locker.centre.remote import RemoteDesk, RemoteError, checked_args
from locker.centre.web import words
from locker.centre.web.accounts import operator, store
from locker.centre.web.render import page
from locker.wire import fields

bp = Blueprint("pages", __name__)
MAX_ID = 2**53


def desk() -> RemoteDesk:
    """Signs and sends the console's commands."""
    found: RemoteDesk = current_app.extensions["centre_desk"]
    return found


def locker_id_or_404(locker_id: str) -> str:
    """A locker id the centre knows, or 404 (an id is never echoed unchecked)."""
    if not fields.NAME.fullmatch(locker_id) or not fleet_view.known_locker(store(), locker_id):
        abort(404)
    return locker_id


def form_request_id() -> str:
    """A form's one-time id, 32 hex digits, or RemoteError('form')."""
    value = request.form.get("request_id", "")
    if len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
        raise RemoteError("form")
    return value


@bp.get("/")
def fleet() -> str:
    """Every locker: online or not, free space, doors needing someone, alarms, chain."""
    return page("centre/fleet.html", lockers=fleet_view.fleet(store()), now=time.time())


@bp.get("/lockers/<locker_id>")
def locker(locker_id: str) -> str:
    """One locker: its doors from its latest state, and its recent events in words."""
    view = fleet_view.one_locker(store(), locker_id_or_404(locker_id))
    return page(
        "centre/locker.html",
        locker=view,
        events=fleet_view.recent_events(store(), locker_id),
        alarms=store_alarms(locker_id),
    )


def store_alarms(locker_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The centre's open alarms and the lockers' own, optionally for one locker."""
    centre = [a for a in store().open_alarms() if locker_id in (None, a["locker_id"])]
    return {"centre": centre, "lockers": fleet_view.locker_alarms(store(), locker_id)}


@bp.get("/alarms")
def alarms() -> str:
    """Every open alarm, with a way to acknowledge it."""
    return page("centre/alarms.html", alarms=store_alarms())


@bp.get("/couriers")
def couriers() -> str:
    """The couriers added at the centre, and where each one's latest change stands."""
    desk = CourierDesk(store())
    people = desk.couriers()
    refused = {
        person["id"]: [g for g in desk.grants(int(person["id"])) if g["state"] == "refused"]
        for person in people
        if person["lockers"].get("refused")
    }
    return page("centre/couriers.html", couriers=people, refused=refused)


@bp.post("/alarms/centre/<int:alarm_id>")
def acknowledge_centre(alarm_id: int) -> Response:
    """Acknowledge one of the centre's alarms (a chain or clock alarm): admins only."""
    try:
        note = _note()
        if operator().role != "admin":
            raise RemoteError("role")
    except RemoteError as problem:
        flash(words.problem_words(problem.code), "error")
        return redirect("/alarms", 303)
    if alarm_id > MAX_ID or not fleet_view.acknowledge_centre_alarm(
        store(), alarm_id, operator().username, note, time.time()
    ):
        flash(_("That alarm is not open any more."), "error")
    else:
        flash(_("Alarm acknowledged."), "done")
    return redirect("/alarms", 303)


@bp.post("/alarms/locker/<locker_id>/<int:seq>")
def acknowledge_locker(locker_id: str, seq: int) -> Response:
    """A locker's own alarm is acknowledged on the locker: a signed `acknowledge_alarm`."""
    locker_id = locker_id_or_404(locker_id)
    try:
        request_id = form_request_id()
        args = checked_args("acknowledge_alarm", {"alarm": str(seq), "note": _note()})
        nonce = desk().send(
            request_id,
            locker_id,
            "acknowledge_alarm",
            args,
            operator().username,
            request.form.get("password", ""),
        )
    except RemoteError as problem:
        flash(words.problem_words(problem.code), "error")
        return redirect("/alarms", 303)
    return redirect(f"/commands/{nonce}", 303)


def _note() -> str:
    note = request.form.get("note", "").strip()
    if len(note) > 200 or not note.isprintable():
        raise RemoteError("note")
    return note
