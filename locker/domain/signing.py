"""Truncated HMAC-SHA256 signatures in URL-safe base64, short enough for small QR codes."""

from __future__ import annotations

import base64
import hashlib
import hmac

# 80 bits: forging needs ~2^79 scans held up to the camera (scans spend no keypad budget, but
# each takes a person a second or more).
SIGNATURE_BYTES = 10
SIGNATURE_CHARS = 14  # len(base64url(10 bytes)) without padding


def sign(secret: bytes, message: str) -> str:
    """Signature of `message` under `secret`, as 14 URL-safe base64 characters."""
    digest = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode("ascii").rstrip("=")


def signature_matches(secret: bytes, message: str, signature: str) -> bool:
    """Constant-time check of a signature made by `sign`."""
    return hmac.compare_digest(sign(secret, message).encode(), signature.encode("utf-8"))
