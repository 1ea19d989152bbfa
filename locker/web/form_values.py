"""Ids and return paths read from a request, bounded before they reach the store or a header.

A form field or a URL can carry anything: a number SQLite cannot bind (an OverflowError, so an
HTTP 500), digits that `int()` reads though they are not ASCII ("１２", "²" fails), CR/LF that
would split a header. Every view reads an id or a `next` page through these.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import BaseConverter, ValidationError

# SQLite's INTEGER is 64-bit signed: a larger id names no row and cannot even be bound.
MAX_ID = 2**63 - 1
MAX_PATH_CHARS = 512
# A refused keypad entry is put back in its field to correct; longer is no one's typing.
MAX_KEPT_CHARS = 80


def parse_id(text: str | None, maximum: int = MAX_ID) -> int | None:
    """A positive id written in ASCII digits, at most `maximum`; None for anything else."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if 0 < value <= maximum else None


def kept_typing(text: str) -> str:
    """What was typed at a keypad, to put back in its field; "" when no person typed it."""
    if len(text) > MAX_KEPT_CHARS or not text.isprintable():
        return ""
    return text


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a positive id SQLite can hold; anything else is a 404."""

    regex = r"\d{1,19}"

    def to_python(self, value: str) -> int:
        """The id, or no match for this route."""
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed

    def to_url(self, value: object) -> str:
        """The id as the route writes it."""
        return str(int(str(value)))


def local_path(target: str | None, prefix: str) -> str | None:
    """`target` if it is a path on this site under `prefix`, safe to put in a Location header.

    Printable ASCII only, with no space, `//` or backslash (browsers read `/\\` as another
    host) and no control character (CR/LF would split the header); no scheme, host or `..`.
    """
    if not target or len(target) > MAX_PATH_CHARS or not target.startswith(prefix):
        return None
    if not all("!" <= ch <= "~" for ch in target) or "\\" in target or "//" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or ".." in parts.path.split("/"):
        return None
    return target
