"""What a channel keeps of a provider's answer: a bounded receipt id, and error text that is one
short line with no phone number or query string in clear (it is stored with the message, and
shown on the admin's screens)."""

from __future__ import annotations

import re

from locker.domain.phone import mask_phones_in

# Receipts and error texts are stored with the message; the store keeps bounded lines.
MAX_RECEIPT_CHARS = 128
MAX_ERROR_CHARS = 200
# A URL's query may carry the message's parameters, the pickup code among them (Aliyun's SDK
# sends them so, and its network errors quote the URL).
_QUERY = re.compile(r"\?[^\s'\"()]+")
# Python's reprs of objects say nothing to an admin, and push the cause past the length limit.
_OBJECT_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-fA-F]+>:? ?")


def receipt(value: object, fallback: str) -> str:
    """The provider's id for what it accepted, if it is a short printable one, else `fallback`."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return fallback
    text = str(value)
    if 0 < len(text) <= MAX_RECEIPT_CHARS and text.isprintable():
        return text
    return fallback


def error_text(value: object) -> str:
    """A provider's words about a failure: one line, at most MAX_ERROR_CHARS, phones masked."""
    text = _OBJECT_REPR.sub("", _QUERY.sub("?…", str(value)))
    text = "".join(ch if ch.isprintable() else " " for ch in " ".join(text.split()))
    text = mask_phones_in(text)
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
