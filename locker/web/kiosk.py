"""The recipients' screens: the home screen with its keypad, and what a code opens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, session

from locker.domain import qr_payload
from locker.domain.errors import InvalidInputError
from locker.services.collect_parcel import (
    PickupResult,
    SiblingPickup,
    collect_by_code,
    collect_by_qr,
    collect_siblings,
    door_reason,
)
from locker.services.errors import (
    CodeRejectedError,
    DoorBusyError,
    DoorDidNotOpenError,
    LockedOutError,
)
from locker.services.hold_doors import free_doors_for
from locker.services.scan_tickets import MORE as MORE_TICKET
from locker.services.scan_tickets import ScanTickets
from locker.services.staff_sessions import IDLE
from locker.sounds.clips import FAILED, OPENED
from locker.web.admin_session import end_admin_session
from locker.web.cabinet_view import cabinet_columns, door_row
from locker.web.courier_session import end_session
from locker.web.form_values import kept_typing
from locker.web.i18n import end_visit
from locker.web.repeat_guard import end_of_visit, once_per_tap
from locker.web.request_context import locker_ctx
from locker.web.stream_slots import claim_stream, stream_response
from locker.web.voice import DOOR_REFUSALS, voice_for

bp = Blueprint("kiosk", __name__)
MORE = "more_parcels"
# The result screens say which row a door at the top or bottom of its column is in.
bp.add_app_template_global(door_row)


def kiosk_page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    """A recipient's page, with the locker, its free doors and the cabinet map."""
    ctx = locker_ctx()
    compartments = list(ctx.store.compartments())
    return render_template(
        template,
        screen="kiosk",
        locker=ctx.store.locker(),
        # Doors carriers hold are not free to anyone who walks up.
        free=list(free_doors_for(ctx, None, compartments).items()),
        total=len(compartments),
        cabinet=cabinet_columns(compartments),
        has_camera=current_app.extensions.get("locker_camera") is not None,
        code_length=ctx.rules.code_length,
        doors_unreachable=not current_app.extensions["locker_health"]().buses_up,
        **values,
    ), status


def door_refusal(failure: DoorDidNotOpenError) -> dict[str, str]:
    """The refusal screen for a door that did not open, or that is out of order and not tried."""
    reason = door_reason(failure)
    voice = voice_for([(failure.compartment, DOOR_REFUSALS[reason])])
    return {"reason": reason, "door": failure.compartment, "voice": voice}


@bp.get("/camera.mjpg")
def camera_preview() -> Response:
    """The live camera with a box around each code it sees, so people can aim."""
    camera = current_app.extensions.get("locker_camera")
    if camera is None:
        return Response("this locker has no camera\n", status=404, mimetype="text/plain")
    from locker.scanner import preview  # loaded with the camera: OpenCV is already there

    frames = camera.preview()  # a generator: nothing runs until the response is read
    claimed = claim_stream()
    if isinstance(claimed, Response):
        return claimed
    parts = preview.until_ended(frames, claimed.ended)
    return stream_response(claimed, parts, mimetype=preview.CONTENT_TYPE)


@bp.get("/")
def home() -> tuple[str, int]:
    """Home screen: show the code to the camera, or type it on the keypad."""
    if request.args.get("idle"):
        # The visit is over: nobody may walk up to a logged-in staff session nor to the last
        # recipient's offer to open their other doors, and the next person starts in the
        # locker's own language and text size.
        end_session(IDLE)
        end_admin_session(IDLE)
        _drop_offer()
        end_visit()
        end_of_visit()
    return kiosk_page("kiosk/home.html")


@bp.get("/free.json")
def free_doors() -> dict[str, Any]:
    """Free doors per size, for the home screen's live counts (they are on the screen anyway)."""
    return {"free": free_doors_for(locker_ctx(), None)}


def _tickets() -> ScanTickets:
    tickets: ScanTickets = current_app.extensions["locker_tickets"]
    return tickets


def _drop_offer() -> None:
    """Forget the offer to open more doors, here and on the server, where it is kept."""
    token = session.pop(MORE, None)
    if isinstance(token, str):
        _tickets().redeem(token, MORE_TICKET)


def _opened(results: list[PickupResult]) -> tuple[str, int]:
    more = [
        p.id for r in results for p in r.more_parcels if p.id not in {x.parcel.id for x in results}
    ]
    _drop_offer()
    if more:
        # The offer lives on the server as a one-time ticket that expires with the screen: a
        # copy of this session cookie replayed later opens nothing.
        offer = {"first": results[0].parcel.id, "ids": sorted(set(more))}
        session[MORE] = _tickets().issue(MORE_TICKET, offer)
    doors = [r.compartment for r in results]
    return kiosk_page(
        "kiosk/opened.html",
        doors=doors,
        more=len(set(more)),
        voice=voice_for((door, OPENED) for door in doors),
    )


@bp.post("/pickup")
@once_per_tap()
def pickup() -> tuple[str, int]:
    """A typed (or keyboard-wedge scanned) pickup code."""
    ctx = locker_ctx()
    typed = request.form.get("code", "").strip()
    # A keyboard-wedge scanner types the whole QR payload into the field, then Enter.
    scanned = typed.startswith(qr_payload.PREFIX + ":")
    try:
        result = collect_by_qr(ctx, typed) if scanned else collect_by_code(ctx, typed)
    except InvalidInputError:
        if scanned:
            return kiosk_page("kiosk/refused.html", 400, reason="format")
        return _typed_again(400, "format", typed)
    except LockedOutError as locked:
        seconds = max(1, int((locked.until - ctx.clock.now()).total_seconds()))
        return kiosk_page("kiosk/refused.html", 429, reason="locked", seconds=seconds)
    except CodeRejectedError as refusal:
        if refusal.verdict is qr_payload.QrVerdict.UNKNOWN and not scanned:
            return _typed_again(403, "unknown", typed, attempts_left=refusal.attempts_left)
        return kiosk_page(
            "kiosk/refused.html",
            403,
            reason=refusal.verdict.value,
            other_locker=refusal.locker_id,
            attempts_left=refusal.attempts_left,
        )
    except DoorDidNotOpenError as failure:
        return kiosk_page("kiosk/refused.html", 503, **door_refusal(failure))
    except DoorBusyError as busy:
        return kiosk_page("kiosk/refused.html", 409, reason="door_busy", door=busy.compartment)
    return _opened([result])


def _typed_again(status: int, reason: str, typed: str, **values: Any) -> tuple[str, int]:
    """The keypad again, with the refusal above it and the code still typed in, to correct.

    The page holds what was typed; it is kept as this browser's result page (`/again/...`).
    """
    return kiosk_page("kiosk/home.html", status, refused=reason, typed=kept_typing(typed), **values)


@bp.post("/pickup/more")
@once_per_tap(subject=lambda: session.get(MORE))
def pickup_more() -> tuple[str, int]:
    """Open the same recipient's other parcels, after they said yes."""
    token = session.pop(MORE, None)
    pending = _tickets().redeem(token, MORE_TICKET) if isinstance(token, str) else None
    if not pending or not pending.get("ids"):
        return kiosk_page("kiosk/refused.html", 403, reason="offer_expired")
    done = collect_siblings(locker_ctx(), pending["first"], pending["ids"])
    return siblings_page(done) or kiosk_page("kiosk/refused.html", 409, reason="offer_expired")


def siblings_page(done: SiblingPickup) -> tuple[str, int] | None:
    """The doors of the recipient's other parcels: those open, and any that did not open."""
    if done.opened:
        doors = [r.compartment for r in done.opened]
        failed = [f.compartment for f in done.failed]
        return kiosk_page(
            "kiosk/opened.html",
            doors=doors,
            failed=failed,
            more=0,
            voice=voice_for([(d, OPENED) for d in doors] + [(d, FAILED) for d in failed]),
        )
    if done.failed:
        return kiosk_page("kiosk/refused.html", 503, **door_refusal(done.failed[0]))
    return None
