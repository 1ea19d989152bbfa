"""What the camera saw, claimed by the kiosk page: a courier's badge login, the other parcels.

The camera is read on the server, but the session lives in the browser. A scan therefore
hands the page a one-time ticket over `/events`, and the page posts it back here (with its
CSRF token) to get the session or the doors. An unknown, used, expired or wrong-kind ticket
gets nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, request, url_for

from locker.services.accounts import badge_claim_login
from locker.services.collect_parcel import collect_siblings
from locker.services.errors import AuthenticationError
from locker.services.scan_tickets import COURIER, MORE, ScanTickets
from locker.web.courier import courier_page
from locker.web.courier_session import start_session
from locker.web.kiosk import kiosk_page, siblings_page
from locker.web.kiosk_screen import from_kiosk_screen
from locker.web.repeat_guard import REFUSAL_HOLD_S, once_per_tap
from locker.web.request_context import locker_ctx

bp = Blueprint("scan_claims", __name__)


def _redeem(kind: str) -> Any | None:
    tickets: ScanTickets = current_app.extensions["locker_tickets"]
    token = request.form.get("ticket", "")
    # Only the locker's own screen may redeem what its camera saw (locker/web/kiosk_screen.py).
    return tickets.redeem(token, kind) if token and from_kiosk_screen() else None


@bp.post("/courier/badge")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def courier_badge() -> Any:
    """Log in the courier whose badge the camera just saw, for the page that redeems the ticket."""
    claim = _redeem(COURIER)
    if claim is None:
        return courier_page("courier/login.html", 403, error="badge")
    try:
        # Checked again (and audited): the badge may have been replaced, or expired, or the
        # account disabled since.
        courier = badge_claim_login(locker_ctx(), int(claim["courier"]), str(claim["badge"]))
    except AuthenticationError:
        return courier_page("courier/login.html", 403, error="badge")
    start_session(courier)  # the same session as a login with id and PIN
    return redirect(url_for("courier.menu"))


@bp.post("/pickup/more-scan")
@once_per_tap()
def pickup_more_scan() -> tuple[str, int]:
    """Open the other parcels of the recipient whose QR the camera just saw, after they said yes."""
    claim = _redeem(MORE)
    if claim is None:
        return kiosk_page("kiosk/refused.html", 403, reason="offer_expired")
    done = collect_siblings(locker_ctx(), int(claim["first"]), list(claim["ids"]))
    return siblings_page(done) or kiosk_page("kiosk/refused.html", 409, reason="offer_expired")
