"""Per-carrier request budgets (the `api_rate_limit` setting), counted by Flask-Limiter.

Every request counts against one budget for all routes together: its carrier's when it carries a
live token, else its address's, so that guessing tokens is slowed too. Each centre process
counts on its own, in memory.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter

from locker.centre.api.auth import carrier_of_request

EXTENSION = "carrier_api_limiter"


def budget_key() -> str:
    """Whose budget this request spends."""
    carrier = carrier_of_request()
    if carrier is not None:
        return f"carrier:{carrier}"
    return f"address:{request.remote_addr or '-'}"


def install_limiter(app: Flask, limits: str) -> Limiter:
    """Count every request of `app` against `limits` (e.g. "20/second;600/minute")."""
    limiter = Limiter(
        budget_key,
        app=app,
        application_limits=[limits],
        storage_uri="memory://",
        strategy="fixed-window",
        headers_enabled=False,
    )
    app.extensions[EXTENSION] = limiter
    return limiter


def retry_after_s() -> int:
    """Whole seconds until the budget this request broke has room again (at least 1)."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    broken = limiter.current_limit
    if broken is None:
        return 1
    reset_at = float(broken.window[0])
    return max(1, math.ceil(reset_at - time.time()))
