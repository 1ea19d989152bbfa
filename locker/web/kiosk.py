"""The recipients' screens."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, current_app, render_template

from locker.domain.models import Size
from locker.domain.states import CompartmentState
from locker.scanner import preview
from locker.web.app import locker_ctx

bp = Blueprint("kiosk", __name__)


@bp.get("/camera.mjpg")
def camera_preview() -> Response:
    """The live camera with a box around each code it sees, so people can aim."""
    camera = current_app.extensions.get("locker_camera")
    if camera is None:
        return Response("this locker has no camera\n", status=404, mimetype="text/plain")
    return Response(camera.preview(), mimetype=preview.CONTENT_TYPE)


@bp.get("/")
def home() -> str:
    """Home screen: the locker's name and how many doors of each size are free."""
    ctx = locker_ctx()
    info = ctx.store.locker()
    compartments = ctx.store.compartments()
    free = Counter(c.size for c in compartments if c.state is CompartmentState.FREE)
    return render_template(
        "kiosk/home.html",
        locker=info,
        free=[(size.value, free.get(size, 0)) for size in Size],
        total=len(compartments),
    )
