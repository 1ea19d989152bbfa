"""Chinese and English, and large text, on every screen: `?lang=` and `?text=` switch them
and a short-lived cookie keeps the choice for the visit."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request
from flask_babel import Babel

LANGUAGES = ("zh", "en")
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# A kiosk's language choice lasts a visit, not a lifetime: the next person starts afresh.
COOKIE_MAX_AGE_S = 600
TEXT_COOKIE = "text"


def chosen_language(default: str) -> str:
    """The language of this request: `?lang=`, else the cookie, else the locker's default."""
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return default


def setup_i18n(app: Flask, default: str, idle_seconds: float) -> None:
    """Attach Flask-Babel with our catalogues, and remember a `?lang=` switch in a cookie."""
    Babel(
        app,
        locale_selector=lambda: chosen_language(default),
        default_translation_directories=str(TRANSLATIONS),
        default_locale=default,
    )

    @app.after_request
    def _remember_language(response: Response) -> Response:
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE_S, samesite="Lax")
        return response

    @app.context_processor
    def _language() -> dict[str, object]:
        return {
            "lang": chosen_language(default),
            "languages": LANGUAGES,
            "large_text": large_text(),
            # A screen left alone this long goes back home, which ends a staff session.
            "idle_ms": int(idle_seconds * 1000),
        }

    @app.after_request
    def _remember_text_size(response: Response) -> Response:
        size = request.args.get("text")
        if size in ("large", "normal"):
            response.set_cookie(TEXT_COOKIE, size, max_age=COOKIE_MAX_AGE_S, samesite="Lax")
        return response


def large_text() -> bool:
    """The large-text, high-contrast mode: `?text=large` switches it on for this visit."""
    choice = request.args.get("text") or request.cookies.get(TEXT_COOKIE)
    return choice == "large"
