"""CSRF tokens on every form: no age limit, and a refused form gets a page that leads back."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask_wtf import CSRFProtect
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

HOME = "/"


def protect_forms(app: Flask) -> None:
    """Require a CSRF token on every POST; refusals render `stale_form.html`."""
    # The token is bound to the session already. An age limit only breaks the home page, which
    # a locker leaves open all night: the first code typed in the morning would be refused.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    CSRFProtect(app)
    app.register_error_handler(CSRFError, _refused_form)


def _refused_form(error: CSRFError) -> tuple[str, int]:
    return render_template("stale_form.html", back=way_back()), 400


def way_back() -> str:
    """The page the form was on when a GET shows it on this locker; else the home screen."""
    for candidate in (request.referrer, request.path):
        back = _own_page(candidate or "")
        if back:
            return back
    return HOME


def _own_page(url: str) -> str | None:
    """`url` as a path (and query) on this site that answers a GET, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", request.host):
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(parts.path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
