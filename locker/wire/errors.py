"""What goes wrong with a message on the wire."""

from __future__ import annotations


class WireFormatError(ValueError):
    """A message that is not what the wire format says: wrong type, missing field, too big."""


class CommandRefusedError(Exception):
    """A command the locker will not run; `code` says why, for the audit and the console."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
