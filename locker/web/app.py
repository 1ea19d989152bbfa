"""`create_app(settings)`: the Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, render_template

from locker.boards.detached import DetachedBoard
from locker.composition import build_context, open_store
from locker.config import Settings, load_settings
from locker.ports import LockBoard
from locker.scanner.camera_service import CameraService
from locker.services.context import LockerContext
from locker.store import StoreError

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def template_folder() -> Path:
    """Templates ship inside the package in a wheel, and sit at the repository top in a checkout."""
    packaged = PACKAGE_DIR / "templates"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "templates"


def create_app(
    settings: Settings | None = None,
    board: LockBoard | None = None,
    camera: CameraService | None = None,
) -> Flask:
    """Build the kiosk app over the configured database, lock boards and camera."""
    settings = settings or load_settings()
    app = Flask(__name__, template_folder=str(template_folder()))
    app.config["LOCKER_SETTINGS"] = settings
    app.extensions["locker_board"] = board or DetachedBoard()
    app.extensions["locker_camera"] = camera

    @app.teardown_appcontext
    def _close_store(_error: BaseException | None) -> None:
        ctx = g.pop("locker_ctx", None)
        if ctx is not None:
            ctx.store.close()

    @app.errorhandler(StoreError)
    def _not_set_up(error: StoreError) -> tuple[str, int]:
        return render_template("unavailable.html", message=str(error)), 503

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"support_contact": settings.support_contact}

    from locker.web import api, kiosk

    app.register_blueprint(kiosk.bp)
    app.register_blueprint(api.bp)
    return app


def locker_ctx() -> LockerContext:
    """The request's use-case context; its store is opened once per request and closed after."""
    if "locker_ctx" not in g:
        settings: Settings = current_app.config["LOCKER_SETTINGS"]
        g.locker_ctx = build_context(
            settings, open_store(settings), current_app.extensions["locker_board"]
        )
    ctx: LockerContext = g.locker_ctx
    return ctx
