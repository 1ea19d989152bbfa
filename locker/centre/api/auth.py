"""Carriers authenticate with their bearer token; `current_carrier()` names the caller.

A view that needs the caller is decorated with `@bp.auth_required(auth)` (which also documents
its 401), then asks `current_carrier()` for the carrier's name.
"""

from __future__ import annotations

from apiflask import HTTPTokenAuth
from flask import g, request

from locker.centre.api.context import api_context
from locker.centre.carriers import carrier_of_token

auth = HTTPTokenAuth(
    scheme="Bearer",
    description="The carrier's token, shown once by `locker fleet carrier add NAME`.",
)


def _carrier_for(token: str) -> str | None:
    """The active carrier with this token, looked up once per request."""
    cache: dict[str, str | None] = g.setdefault("carrier_api_tokens", {})
    if token not in cache:
        cache[token] = carrier_of_token(api_context().store, token)
    return cache[token]


@auth.verify_token
def _verify(token: str | None) -> str | None:
    return _carrier_for(token) if token else None


def carrier_of_request() -> str | None:
    """The carrier whose live token this request carries, or None (before any view runs)."""
    header = request.authorization
    if header is None or header.type != "bearer" or not header.token:
        return None
    return _carrier_for(header.token)


def current_carrier() -> str:
    """The authenticated carrier's name, in a view under `@bp.auth_required(auth)`."""
    name = auth.current_user
    if not isinstance(name, str):
        raise RuntimeError("current_carrier() needs a view under @bp.auth_required(auth)")
    return name
