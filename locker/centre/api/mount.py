"""The API and the console on one server: /api/… goes to the API, all else to the console."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PREFIX = "/api"


class ApiMount:
    """Sends /api and /api/… to the API app, unchanged, and everything else to the console.

    Unlike werkzeug's DispatcherMiddleware, the path is not cut: the API's routes, its OpenAPI
    document and its tests all name the paths a carrier calls. Neither app sees the other's
    requests, so the console's session, CSRF and error pages never touch the API.
    """

    def __init__(self, console: WSGIApplication, api: WSGIApplication) -> None:
        self.console = console
        self.api = api

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.api(environ, start_response)
        return self.console(environ, start_response)


def mount_api(console: Flask, api: Any) -> None:
    """Serve `api` from the console's own WSGI app (what waitress serves and tests call)."""
    console.wsgi_app = ApiMount(console.wsgi_app, api)  # type: ignore[method-assign]
