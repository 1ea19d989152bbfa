"""Checks on a request's body before any view reads it: JSON, in UTF-8, that Python can hold.

Flask would read `[[[[…` nested ten thousand deep into a RecursionError, `1e999` into infinity,
`NaN` into a float no schema expects, and a 4,000-digit integer into a number no database
column holds; each of those could end as a 500. Here they are a 400 (or a 415 for a body that
is not JSON at all) before anything else looks at them.
"""

from __future__ import annotations

import json
import math

from flask import request

from locker.centre.api.problems import ProblemError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_MEDIA_TYPE = "application/json"


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _int64(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError("an integer beyond 64 bits")
    return value


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large")
    return value


def check_body() -> None:
    """Refuse a body that is not well-formed JSON (a `before_request` hook)."""
    if request.method not in BODY_METHODS:
        return
    data = request.get_data(cache=True)  # past MAX_CONTENT_LENGTH: a 413
    if not data:
        return  # the view's schema names what is missing
    if request.mimetype != JSON_MEDIA_TYPE:
        raise ProblemError("unsupported_media_type")
    try:
        json.loads(
            data.decode("utf-8"),
            parse_constant=_refuse_constant,
            parse_float=_finite,
            parse_int=_int64,
        )
    except (ValueError, RecursionError):
        raise ProblemError("malformed_json") from None
