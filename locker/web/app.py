"""`create_app(settings)`: the Flask application factory."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, render_template

from locker.composition.context import open_store
from locker.config import Settings, load_settings
from locker.health import HardwareHealth
from locker.message_channel import MessageChannel
from locker.ports import Clock, LockBoard
from locker.services.scan_tickets import ScanTickets
from locker.store import StoreError
from locker.web.form_tokens import protect_forms
from locker.web.form_values import IdConverter
from locker.web.i18n import setup_i18n
from locker.web.live_events import Broadcaster
from locker.web.repeat_guard import RepeatGuard
from locker.web.request_context import StorePool, close_request_context
from locker.web.screen_time import setup_screen_times
from locker.web.touch_keys import key_buttons

if TYPE_CHECKING:
    from locker.scanner.camera_service import CameraService
    from locker.web.demo import DemoTools

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The largest form a page sends is a few hundred bytes; a bigger body is refused (413) unread,
# so no upload fills the disk and no megabyte of text reaches a view.
MAX_REQUEST_BYTES = 64 * 1024


def template_folder() -> Path:
    """Templates ship inside the package in a wheel, and sit at the repository top in a checkout."""
    packaged = PACKAGE_DIR / "templates"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "templates"


def create_app(
    settings: Settings | None = None,
    board: LockBoard | None = None,
    camera: CameraService | None = None,
    clock: Clock | None = None,
    live: Broadcaster | None = None,
    demo: DemoTools | None = None,
    health: Callable[[], HardwareHealth] | None = None,
    tickets: ScanTickets | None = None,
    channels: Mapping[str, MessageChannel] | None = None,
    stores: StorePool | None = None,
) -> Flask:
    """Build the kiosk app over the configured database, lock boards and camera.

    With `stores`, requests keep a store per server thread; without, each opens its own.
    """
    settings = settings or load_settings()
    app = Flask(__name__, template_folder=str(template_folder()))
    app.config["LOCKER_SETTINGS"] = settings
    app.secret_key = _session_key(settings)
    # Ids in URLs are `<id:...>`: bounded to what SQLite holds, so no URL can overflow a query.
    app.url_map.converters["id"] = IdConverter
    # The session cookie never rides along with a request another site starts, and no script
    # reads it.
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_HTTPONLY=True)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    protect_forms(app)
    app.after_request(refuse_framing)
    setup_i18n(app, settings.language, settings.screen_idle_seconds)
    setup_screen_times(app)
    app.add_template_global(key_buttons)
    # None for an app that drives no boards: the composition root's context then refuses doors.
    app.extensions["locker_board"] = board
    # The running locker's channels (the demo inbox among them); None: the settings' own.
    app.extensions["locker_channels"] = channels
    app.extensions["locker_camera"] = camera
    app.extensions["locker_clock"] = clock
    app.extensions["locker_live"] = live or Broadcaster()
    app.extensions["locker_health"] = health or (lambda: HardwareHealth())
    # The dispatcher issues these for the camera's scans; the pages redeem them here.
    app.extensions["locker_tickets"] = tickets if tickets is not None else ScanTickets(clock)
    # On the app's clock, so that tests can let a double tap's moment pass.
    app.extensions["locker_repeats"] = (
        RepeatGuard(lambda: clock.now().timestamp()) if clock is not None else RepeatGuard()
    )

    close_request_context(app, stores)

    @app.errorhandler(StoreError)
    def _not_set_up(error: StoreError) -> tuple[str, int]:
        return render_template("unavailable.html", message=str(error)), 503

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"support_contact": settings.support_contact}

    from locker.web import (
        admin,
        admin_accounts,
        admin_alarms,
        admin_messages,
        admin_parcels,
        api,
        courier,
        kiosk,
        phone_pickup,
        repeat_guard,
        scan_claims,
        voice,
    )

    app.register_blueprint(kiosk.bp)
    app.register_blueprint(courier.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_accounts.bp)
    app.register_blueprint(admin_messages.bp)
    app.register_blueprint(admin_parcels.bp)
    app.register_blueprint(admin_alarms.bp)
    app.register_blueprint(repeat_guard.bp)
    app.register_blueprint(scan_claims.bp)
    app.register_blueprint(phone_pickup.bp)
    app.register_blueprint(voice.bp)
    if demo is not None:
        from locker.web import demo as demo_page

        app.extensions["locker_demo"] = demo
        app.register_blueprint(demo_page.bp)
    return app


def refuse_framing(response: Response) -> Response:
    """No page of the locker may be shown inside another site's frame (clickjacking)."""
    response.headers["X-Frame-Options"] = "DENY"
    policy = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" not in policy:
        policy = f"{policy}; frame-ancestors 'none'" if policy else "frame-ancestors 'none'"
        response.headers["Content-Security-Policy"] = policy
    return response


def _session_key(settings: Settings) -> bytes:
    """Derived from the locker's secret, so sessions survive a restart; random before `init`."""
    try:
        with open_store(settings) as store:
            secret = store.locker().secret
    except StoreError:
        return secrets.token_bytes(32)
    return hmac.new(secret, b"kiosk session key", hashlib.sha256).digest()
