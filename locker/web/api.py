"""JSON endpoints for the pages and for monitoring."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from locker.web.app import locker_ctx

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """Liveness: the database answers and the locker is set up."""
    try:
        info = locker_ctx().store.locker()
    except Exception as error:  # a health check reports, it does not crash
        return {"status": "error", "error": str(error)}, 503
    return {"status": "ok", "locker": info.locker_id}, 200
