"""Readers for the fields of a decoded message, each refusing what the format does not allow."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from locker.wire.errors import WireFormatError

# Seconds since the epoch up to the year 9999: anything larger is not a time, only a test.
MAX_TIME = 253_402_300_799
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def mapping(value: object, what: str) -> Mapping[str, Any]:
    """A JSON object."""
    if not isinstance(value, dict):
        raise WireFormatError(f"{what} is an object")
    return value


def holds_nul(value: object) -> bool:
    """Whether a decoded JSON value has a NUL in any text or key (PostgreSQL stores none)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


def text(body: Mapping[str, Any], key: str, *, limit: int = 200) -> str:
    """A non-empty printable text of at most `limit` characters."""
    value = body.get(key)
    if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
        raise WireFormatError(f"{key} is a printable text of 1 to {limit} characters")
    return value


def name(body: Mapping[str, Any], key: str) -> str:
    """A locker id, operator or action name: letters, digits and . _ @ -."""
    value = body.get(key)
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise WireFormatError(f"{key} is a name of letters, digits and . _ @ -")
    return value


def time(body: Mapping[str, Any], key: str) -> int:
    """Whole seconds since the epoch."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIME:
        raise WireFormatError(f"{key} is whole seconds since the epoch")
    return value
