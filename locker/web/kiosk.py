"""The recipients' screens: the home screen with its keypad, and what a code opens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, session

from locker.domain import qr_payload
from locker.domain.errors import InvalidInputError
from locker.scanner import preview
from locker.services.collect_parcel import (
    PickupResult,
    collect_by_code,
    collect_by_qr,
    collect_siblings,
)
from locker.services.errors import CodeRejectedError, DoorDidNotOpenError, LockedOutError
from locker.web.cabinet_view import cabinet_columns, free_by_size
from locker.web.courier import BULK
from locker.web.request_context import locker_ctx
from locker.web.stream_slots import claim_stream, stream_response

bp = Blueprint("kiosk", __name__)
MORE = "more_parcels"


def kiosk_page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    """A recipient's page, with the locker, its free doors and the cabinet map."""
    ctx = locker_ctx()
    compartments = list(ctx.store.compartments())
    return render_template(
        template,
        locker=ctx.store.locker(),
        free=list(free_by_size(compartments).items()),
        total=len(compartments),
        cabinet=cabinet_columns(compartments),
        has_camera=current_app.extensions.get("locker_camera") is not None,
        code_length=ctx.rules.code_length,
        **values,
    ), status


@bp.get("/camera.mjpg")
def camera_preview() -> Response:
    """The live camera with a box around each code it sees, so people can aim."""
    camera = current_app.extensions.get("locker_camera")
    if camera is None:
        return Response("this locker has no camera\n", status=404, mimetype="text/plain")
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
        # The screen was left alone: nobody may walk up to a logged-in staff session.
        for staff_key in ("courier", "admin", BULK):
            session.pop(staff_key, None)
    return kiosk_page("kiosk/home.html")


def _opened(results: list[PickupResult]) -> tuple[str, int]:
    more = [
        p.id for r in results for p in r.more_parcels if p.id not in {x.parcel.id for x in results}
    ]
    session[MORE] = {"first": results[0].parcel.id, "ids": sorted(set(more))}
    return kiosk_page(
        "kiosk/opened.html",
        doors=[r.compartment for r in results],
        more=len(set(more)),
    )


@bp.post("/pickup")
def pickup() -> tuple[str, int]:
    """A typed (or keyboard-wedge scanned) pickup code."""
    ctx = locker_ctx()
    typed = request.form.get("code", "").strip()
    try:
        # A keyboard-wedge scanner types the whole QR payload into the field, then Enter.
        if typed.startswith(qr_payload.PREFIX + ":"):
            result = collect_by_qr(ctx, typed)
        else:
            result = collect_by_code(ctx, typed)
    except InvalidInputError:
        return kiosk_page("kiosk/refused.html", 400, reason="format")
    except LockedOutError as locked:
        seconds = max(1, int((locked.until - ctx.clock.now()).total_seconds()))
        return kiosk_page("kiosk/refused.html", 429, reason="locked", seconds=seconds)
    except CodeRejectedError as refusal:
        return kiosk_page(
            "kiosk/refused.html",
            403,
            reason=refusal.verdict.value,
            other_locker=refusal.locker_id,
            attempts_left=refusal.attempts_left,
        )
    except DoorDidNotOpenError as failure:
        return kiosk_page("kiosk/refused.html", 503, reason="door", door=failure.compartment)
    return _opened([result])


@bp.post("/pickup/more")
def pickup_more() -> tuple[str, int]:
    """Open the same recipient's other parcels, after they said yes."""
    pending = session.pop(MORE, None)
    if not pending or not pending.get("ids"):
        return home()
    try:
        results = collect_siblings(locker_ctx(), pending["first"], pending["ids"])
    except DoorDidNotOpenError as failure:
        return kiosk_page("kiosk/refused.html", 503, reason="door", door=failure.compartment)
    if not results:
        return home()
    return kiosk_page("kiosk/opened.html", doors=[r.compartment for r in results], more=0)
