"""The recipients' screens."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, render_template

from locker.domain.models import Size
from locker.domain.states import CompartmentState
from locker.web.app import locker_ctx

bp = Blueprint("kiosk", __name__)


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
