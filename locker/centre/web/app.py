"""`create_console(...)`: the centre's Flask application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template, request
from flask_babel import Babel
from flask_wtf import CSRFProtect
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import locker
from locker.centre.login_budget import LoginBudget
from locker.centre.remote import RemoteDesk
from locker.centre.settings import LANGUAGES, CentreSettings
from locker.centre.store import CentreStore
from locker.centre.web import accounts, live, pages, remote_pages
from locker.centre.web.stream_slots import StreamSlots

TRANSLATIONS = Path(locker.__file__).resolve().parent / "translations"
LANGUAGE_COOKIE = "centre_lang"
LANGUAGE_COOKIE_AGE_S = 365 * 24 * 3600
# Every form of the console is a few hundred bytes; a bigger body is refused unread.
MAX_REQUEST_BYTES = 16 * 1024
SECRET_BYTES = 32


def template_folder() -> Path:
    """Templates ship inside the package in a wheel, and sit at the repository top in a checkout."""
    package = Path(locker.__file__).resolve().parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


def session_secret(path: Path) -> bytes:
    """The console's session key, made once and kept readable by its owner only."""
    try:
        secret = path.read_bytes()
        if len(secret) >= SECRET_BYTES:
            return secret
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(SECRET_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(secret)
    return secret


def chosen_language(default: str) -> str:
    """`?lang=`, else the operator's cookie, else the centre's language."""
    for candidate in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return default


def create_console(
    settings: CentreSettings, store: CentreStore, desk: RemoteDesk, slots: StreamSlots | None = None
) -> Flask:
    """The console over the centre's store; `desk` signs and sends remote actions."""
    app = Flask(__name__, template_folder=str(template_folder()))
    app.secret_key = session_secret(settings.session_secret_file)
    app.config.update(
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_NAME="centre_session",
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        # Bound to the session already; an operator may leave a form open for a shift.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["centre_settings"] = settings
    app.extensions["centre_store"] = store
    app.extensions["centre_desk"] = desk
    app.extensions["centre_streams"] = slots or StreamSlots(settings.stream_slots)
    app.extensions["centre_logins"] = LoginBudget(store)
    CSRFProtect(app)
    Babel(
        app,
        locale_selector=lambda: chosen_language(settings.language),
        default_translation_directories=str(TRANSLATIONS),
        default_locale=settings.language,
    )

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"lang": chosen_language(settings.language)}

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        response.headers["Cache-Control"] = "no-store"
        if request.args.get("lang") in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                str(request.args["lang"]),
                max_age=LANGUAGE_COOKIE_AGE_S,
                samesite="Lax",
            )
        return response

    @app.errorhandler(CSRFError)
    def _stale_form(error: CSRFError) -> tuple[str, int]:
        return render_template("centre/error.html", problem="stale_form"), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("centre/error.html", problem=str(error.code)), error.code or 500

    @app.errorhandler(Exception)
    def _failure(error: Exception) -> tuple[str, int]:
        app.logger.exception("a console request failed")
        return render_template("centre/error.html", problem="500"), 500

    app.register_blueprint(accounts.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(remote_pages.bp)
    app.register_blueprint(live.bp)
    return app
