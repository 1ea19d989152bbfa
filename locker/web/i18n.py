"""Chinese and English on every screen: `?lang=` switches and a cookie keeps the choice."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request
from flask_babel import Babel

LANGUAGES = ("zh", "en")
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# A kiosk's language choice lasts a visit, not a lifetime: the next person starts afresh.
COOKIE_MAX_AGE_S = 600


def chosen_language(default: str) -> str:
    """The language of this request: `?lang=`, else the cookie, else the locker's default."""
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return default


def setup_i18n(app: Flask, default: str) -> None:
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
        return {"lang": chosen_language(default), "languages": LANGUAGES}
