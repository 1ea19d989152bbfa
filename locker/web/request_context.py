"""The request's use-case context: one store connection per request, closed after it."""

from __future__ import annotations

from flask import Flask, current_app, g

from locker.composition.context import build_context, open_store
from locker.config import Settings
from locker.services.context import LockerContext


def locker_ctx() -> LockerContext:
    """The request's use-case context; its store is opened once per request and closed after."""
    if "locker_ctx" not in g:
        settings: Settings = current_app.config["LOCKER_SETTINGS"]
        g.locker_ctx = build_context(
            settings,
            open_store(settings),
            current_app.extensions["locker_board"],
            current_app.extensions["locker_channels"],
        )
        if current_app.extensions["locker_clock"] is not None:
            g.locker_ctx.clock = current_app.extensions["locker_clock"]
    ctx: LockerContext = g.locker_ctx
    return ctx


def close_request_context(app: Flask) -> None:
    """Close the request's store when its app context ends."""

    @app.teardown_appcontext
    def _close_store(_error: BaseException | None) -> None:
        ctx = g.pop("locker_ctx", None)
        if ctx is not None:
            ctx.store.close()
