"""The admin's parcel search: by tracking number, a phone's last four digits or door, with
reissue, force open (asked first) and the parcel's history from each result."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue

from locker.domain.errors import InvalidInputError
from locker.services.errors import NotFoundError
from locker.services.parcel_search import (
    HistoryEntry,
    actor_names,
    find_parcels,
    parcel_history,
)
from locker.web.admin_session import admin_page, no_store, require_admin, search_back, searched
from locker.web.audit_words import door_command_text, parcel_state_names, record_text
from locker.web.refusal_text import refusal_text
from locker.web.request_context import locker_ctx
from locker.web.screen_time import short_time

# A mainland mobile number: 11 digits from 13 to 19. Waybill numbers of that exact shape are
# rare enough that reading one as a phone costs less than a phone left in a URL.
_WHOLE_MOBILE = re.compile(r"1[3-9][0-9]{9}")

bp = Blueprint("parcels", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(no_store)


@bp.get("/parcels")
def search() -> ResponseReturnValue:
    """The search form and, once something is typed, the parcels it matches."""
    typed = request.args.get("q", "").strip()
    whole = _WHOLE_MOBILE.fullmatch(re.sub(r"[\s-]", "", typed))
    if whole:
        # A whole phone number must not stay in the URL, the field or the result links: the
        # search is by its last four digits, as the helpline asks for them.
        return redirect(url_for("parcels.search", q=whole[0][-4:]), 303)
    values: dict[str, Any] = {"q": typed[:40], "state_names": parcel_state_names()}
    if not typed:
        return admin_page("admin/parcels.html", **values)
    try:
        found = find_parcels(locker_ctx(), typed)
    except InvalidInputError as refusal:
        return admin_page("admin/parcels.html", 400, error=refusal_text(refusal), **values)
    return admin_page("admin/parcels.html", found=found, searched=True, **values)


def _entry(entry: HistoryEntry, names: dict[str, str]) -> dict[str, str]:
    """One line of the history, in words."""
    if entry.source == "door":
        what = door_command_text(entry.door, entry.action, str(entry.details["outcome"]))
    else:
        what = record_text(entry.action, entry.subject, entry.details)
    return {
        "at": short_time(entry.at),
        "who": names.get(entry.actor, entry.actor),
        "what": what,
        "action": entry.action,
    }


@bp.get("/parcels/<id:parcel_id>")
def history(parcel_id: int) -> tuple[str, int]:
    """One parcel, and everything recorded about it: audit records and door commands."""
    back = search_back() or url_for("parcels.search")
    try:
        ctx = locker_ctx()
        parcel, entries = parcel_history(ctx, parcel_id)
    except NotFoundError as refusal:
        return admin_page(
            "admin/parcel_history.html", 404, error=refusal_text(refusal), back_to=back
        )
    names = actor_names(ctx, (e.actor for e in entries))
    return admin_page(
        "admin/parcel_history.html",
        parcel=parcel,
        entries=[_entry(e, names) for e in entries],
        state_names=parcel_state_names(),
        back_to=back,
        q=searched(),
    )
