"""Chinese and English, and large text, on every screen: `?lang=` and `?text=` switch them
and a short-lived cookie keeps the choice for the visit, until the screen goes back home."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from flask_babel import Babel, get_translations, refresh
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

LANGUAGES = ("zh", "en")
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# A kiosk's language choice lasts a visit, not a lifetime: the next person starts afresh.
COOKIE_MAX_AGE_S = 600
TEXT_COOKIE = "text"
TEXT_SIZES = ("large", "normal")


def end_visit() -> None:
    """The screen went back home for the next person: forget this visitor's language and text."""
    g.visit_over = True
    refresh()  # a locale read earlier in this request came from the old cookie


def _kept(cookie: str) -> str | None:
    """The visitor's choice kept in a cookie, unless their visit is over."""
    return None if g.get("visit_over") else request.cookies.get(cookie)


def chosen_language(default: str) -> str:
    """The language of this request: `?lang=`, else the cookie, else the locker's default."""
    for candidate in (request.args.get("lang"), _kept(COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return default


def large_text() -> bool:
    """The large-text, high-contrast mode: `?text=large` switches it on for this visit."""
    choice = request.args.get("text") or _kept(TEXT_COOKIE)
    return choice == "large"


def visitor_choice() -> bool:
    """True when this screen shows a language or text size the visitor chose."""
    return bool(
        request.args.get("lang") in LANGUAGES
        or request.args.get("text") in TEXT_SIZES
        or _kept(COOKIE)
        or _kept(TEXT_COOKIE)
    )


def setup_i18n(app: Flask, default: str, idle_seconds: float) -> None:
    """Attach Flask-Babel with our catalogues, and remember a `?lang=` switch in a cookie."""
    Babel(
        app,
        locale_selector=lambda: chosen_language(default),
        default_translation_directories=str(TRANSLATIONS),
        default_locale=default,
    )

    @app.after_request
    def _remember_choices(response: Response) -> Response:
        if g.get("visit_over"):
            response.delete_cookie(COOKIE, samesite="Lax")
            response.delete_cookie(TEXT_COOKIE, samesite="Lax")
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE_S, samesite="Lax")
        size = request.args.get("text")
        if size in TEXT_SIZES:
            response.set_cookie(TEXT_COOKIE, size, max_age=COOKIE_MAX_AGE_S, samesite="Lax")
        return response

    # Every `_()` of a page uses the catalogue found once for it, in the page's language.
    app.context_processor(page_translations)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {
            "lang": chosen_language(default),
            "languages": LANGUAGES,
            "large_text": large_text(),
            # A home screen in a visitor's language goes back to the locker's own when left alone.
            "visitor_choice": visitor_choice(),
            # A screen left alone this long goes back home, which ends a staff session.
            "idle_ms": int(idle_seconds * 1000),
        }


def page_translations() -> dict[str, Any]:
    """The page's `gettext` and `ngettext` (which `_()` calls), on the catalogue of its language.

    Flask-Babel's own look the request's locale and catalogue up again for every message, which
    was a sixth of a page's time; a page is rendered in one language, so once is enough.
    Templates imported without context still reach Flask-Babel's, which say the same.
    """
    catalogue = get_translations()
    return {
        "gettext": _newstyle(catalogue.ugettext),
        "ngettext": _newstyle_plural(catalogue.ungettext),
    }


def _newstyle(translate: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's new-style `gettext`: the translation, escaped when the page is, then
    `%(name)s` filled in from the keywords."""

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        return _filled(context, translate(message), variables)

    return gettext


def _newstyle_plural(translate: Callable[[str, str, int], str]) -> Callable[..., str]:
    """Jinja's new-style `ngettext`: as `gettext`, with `num` among the keywords."""

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return _filled(context, translate(singular, plural, num), variables)

    return ngettext


def _filled(context: Context, text: str, variables: dict[str, Any]) -> str:
    # Markup's % escapes the values it fills in, as the page's own text is escaped.
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables
