"""Why an admin opened a door or took it out of service: one line on the audit record."""

from __future__ import annotations

from locker.domain.errors import InvalidInputError
from locker.domain.plain_text import MAX_REASON_CHARS, is_one_line
from locker.services.errors import ServiceRefusal


def one_line_reason(reason: str) -> str:
    """The reason, stripped, or InvalidInputError unless it is one line that fits."""
    if not is_one_line(reason, MAX_REASON_CHARS):
        raise InvalidInputError(
            f"a reason is one line of at most {MAX_REASON_CHARS} characters",
            code=ServiceRefusal.REASON_FORMAT,
            count=MAX_REASON_CHARS,
        )
    return reason.strip()
