"""The signature on a carrier's webhook call: base64 HMAC-SHA256 over `"{timestamp}.{body}"`.

The scheme InPost's webhooks use. It needs only the standard library, so a carrier can copy this
module to check our calls; `docs/webhooks.md` describes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# How far a call's timestamp may stray from the receiver's clock, either way, by default.
TOLERANCE_S = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Locker-Signature` of `body` sent at `timestamp` (unix seconds) under `secret`."""
    signed = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float,
    tolerance_s: float = TOLERANCE_S,
) -> bool:
    """True when `signature` signs the raw `body` at `timestamp`, within `tolerance_s` of `now`.

    `timestamp` and `signature` are the headers as received; anything malformed is refused,
    never raised, and a stale or future timestamp is refused so that a recorded call cannot be
    replayed later.
    """
    # int() would also take " 12", "+12" and "1_2"; the header is plain ASCII digits.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).encode("ascii")
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
