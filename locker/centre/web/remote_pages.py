"""Remote actions: the form, each command's live status, and a second operator's approval."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, request
from werkzeug.wrappers.response import Response

from locker.centre import command_log, fleet_view
from locker.centre.command_log import CommandRow
from locker.centre.remote import RemoteError, checked_args
from locker.centre.web import words
from locker.centre.web.accounts import operator, store
from locker.centre.web.pages import desk, form_request_id
from locker.centre.web.render import page
from locker.wire import fields
from locker.wire.commands import OPERATOR_ACTIONS

bp = Blueprint("remote", __name__)

# The form's order: the everyday action first; an alarm is acknowledged from the alarms page.
ACTIONS = ("force_open", "out_of_service", "in_service", "reissue_code")
PREFILL = ("locker", "action", "door")
MAX_PREFILL = 64


def _prefill() -> dict[str, str]:
    """What the form showed before, from the query: short printable values only."""
    values = {key: request.args.get(key, "") for key in PREFILL}
    return {k: v for k, v in values.items() if v and len(v) <= MAX_PREFILL and v.isprintable()}


@bp.get("/remote")
def form() -> str:
    """Pick a locker, an action, a door and a reason; the password signs it."""
    return page(
        "centre/remote.html",
        lockers=[view.locker_id for view in fleet_view.fleet(store())],
        actions=ACTIONS,
        chosen=_prefill(),
        pending=_waiting(),
        recent=command_log.recent(store()),
        now=time.time(),
    )


def _waiting() -> list[CommandRow]:
    now = time.time()
    waiting = command_log.recent(store(), 20, "pending")
    return [c for c in waiting if c.shown_status(now) == "pending"]


@bp.post("/remote")
def send() -> Response:
    """Sign and send, then show the command; a problem sends nothing and says why."""
    locker_id = request.form.get("locker", "")
    action = request.form.get("action", "")
    try:
        request_id = form_request_id()
        if not fields.NAME.fullmatch(locker_id) or not fleet_view.known_locker(store(), locker_id):
            raise RemoteError("locker")
        if action not in ACTIONS:
            raise RemoteError("action")
        args = checked_args(action, request.form)
        nonce = desk().send(request_id, locker_id, action, args, operator().username, _password())
    except RemoteError as problem:
        flash(words.problem_words(problem.code), "error")
        kept = {k: request.form.get(k, "") for k in PREFILL if k != "locker"}
        kept["locker"] = locker_id
        query = urlencode({k: v[:MAX_PREFILL] for k, v in kept.items() if v.isprintable()})
        return redirect(f"/remote?{query}", 303)
    return redirect(f"/commands/{nonce}", 303)


def _password() -> str:
    return request.form.get("password", "")[:1024]


def _command_or_404(nonce: str) -> CommandRow:
    if len(nonce) != 32 or any(c not in "0123456789abcdef" for c in nonce):
        abort(404)
    found = command_log.one(store(), nonce)
    if found is None:
        abort(404)
    return found


@bp.get("/commands/<nonce>")
def command(nonce: str) -> str:
    """One command: sent, accepted by the locker, then the door's outcome."""
    return page(
        "centre/command.html",
        command=_command_or_404(nonce),
        now=time.time(),
    )


@bp.post("/commands/<nonce>/second")
def ask_second(nonce: str) -> Response:
    """After a refusal for want of a second signature: sign again, and wait for another operator."""
    refused = _command_or_404(nonce)
    try:
        request_id = form_request_id()
        if refused.code != "remote.second_signature" or refused.action not in OPERATOR_ACTIONS:
            raise RemoteError("not_pending")
        new = desk().send(
            request_id,
            refused.locker_id,
            refused.action,
            refused.args,
            operator().username,
            _password(),
            pending=True,
        )
    except RemoteError as problem:
        flash(words.problem_words(problem.code), "error")
        return redirect(f"/commands/{nonce}", 303)
    return redirect(f"/commands/{new}", 303)


@bp.post("/commands/<nonce>/countersign")
def countersign(nonce: str) -> Response:
    """A second operator approves a pending command with their own signature; then it leaves."""
    _command_or_404(nonce)
    try:
        form_request_id()
        desk().countersign(nonce, operator().username, _password())
    except RemoteError as problem:
        flash(words.problem_words(problem.code), "error")
    return redirect(f"/commands/{nonce}", 303)
