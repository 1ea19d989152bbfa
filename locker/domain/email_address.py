"""A recipient's e-mail address as typed on a deposit screen or given by a carrier."""

from __future__ import annotations

import re

from locker.domain.errors import DomainRefusal, InvalidInputError

# Deliberately plain: one @, a dot in the domain, no spaces or control characters. The mail
# server is the judge of the rest; this keeps a header injection or a typo out of the outbox.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
MAX_CHARS = 254


def normalise_email(text: str) -> str | None:
    """The address, trimmed and with its domain in lower case; None when nothing was typed."""
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_CHARS or not _ADDRESS.fullmatch(text):
        raise InvalidInputError(
            "an e-mail address looks like name@example.com", code=DomainRefusal.EMAIL_FORMAT
        )
    local, _, domain = text.partition("@")
    return f"{local}@{domain.lower()}"


# In free text (a provider's error), an address is a run without spaces around one "@".
_ADDRESS_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+")


def mask_email(address: str | None) -> str:
    """w***@example.com: the first character of the name, and the domain."""
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    if not at:
        return "*" * len(address)
    return f"{local[:1]}***@{domain}"


def mask_emails_in(text: str) -> str:
    """Mask every e-mail address inside free text."""
    return _ADDRESS_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
