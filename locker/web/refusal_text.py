"""A use case's refusal, worded in the screen's language.

The use cases word their refusals in English for the CLI and the logs; the touchscreen
speaks the visitor's language, so each known refusal is matched here to a catalogue message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

from locker.services.errors import DoorDidNotOpenError

# Each pattern is one use-case message; its groups fill the translated text.
_WORDINGS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"a tracking number is"),
        lambda m: _("A tracking number is 4 to 40 letters, digits or '-'."),
    ),
    (
        re.compile(r"a phone number is"),
        lambda m: _("A phone number is 8 to 15 digits. Type it again."),
    ),
    (
        re.compile(r"parcel (\S+) is already in this locker(?: in (\S+))?"),
        lambda m: _("Parcel %(tracking)s is already in this locker.", tracking=m[1]),
    ),
    (
        re.compile(r"no free (low )?compartment of size (\w+) or larger"),
        lambda m: (
            _("No free low door of size %(size)s or larger.", size=m[2])
            if m[1]
            else _("No free door of size %(size)s or larger.", size=m[2])
        ),
    ),
    (
        re.compile(r"only the courier who deposited"),
        lambda m: _("Only the courier who deposited a parcel can undo it."),
    ),
    (
        re.compile(r"a deposit can only be undone within (\d+) minutes"),
        lambda m: _("A deposit can only be undone within %(minutes)s minutes.", minutes=m[1]),
    ),
    (
        re.compile(r"parcel (\S+) is (\w+), not (deposited|expired)"),
        lambda m: _("Parcel %(tracking)s cannot be taken out now.", tracking=m[1]),
    ),
    (
        re.compile(r"belongs to another carrier"),
        lambda m: _("This parcel belongs to another carrier."),
    ),
    (
        re.compile(r"too old to withdraw here|just-deposited parcel"),
        lambda m: _("This deposit can no longer be withdrawn here: ask an admin."),
    ),
    (
        re.compile(r"courier account does not exist or is disabled|no such courier"),
        lambda m: _("This courier account is disabled."),
    ),
    (
        re.compile(r"door (\S+) is being opened"),
        lambda m: _("Door %(door)s is being opened already. Wait a moment.", door=m[1]),
    ),
    (
        re.compile(r"the board saw door (\S+) open"),
        lambda m: _(
            "The board saw door %(door)s open, so the parcel may be inside. "
            "Use undo to take it back.",
            door=m[1],
        ),
    ),
    (
        re.compile(r"size must be one of"),
        lambda m: _("Choose a size."),
    ),
]


def refusal_text(error: Exception) -> str:
    """The refusal as the screen shows it, in the request's language."""
    if isinstance(error, DoorDidNotOpenError):
        return _(
            "Door %(door)s did not open; it is reported for repair. "
            "No parcel was recorded: try again to get another door.",
            door=error.compartment,
        )
    message = str(error)
    for pattern, wording in _WORDINGS:
        found = pattern.search(message)
        if found:
            return wording(found)
    return message
