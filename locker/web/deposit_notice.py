"""What the courier's screen says once the door shuts: only what the outbox will really send.

A deposit's message goes out on the channels in `DepositReceipt.channels` when the door shuts
on the parcel; with none, no message can leave this locker, and the courier is the only way
the code reaches the recipient.
"""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import gettext as _

from locker.message_channel import DEMO, EMAIL, SMS


def closed_text(channels: Collection[str]) -> str:
    """The step shown once the door shuts on the parcel, true to the recipient's channels."""
    real = set(channels) - {DEMO}
    if not real:
        if DEMO in channels:
            return _("Deposited. The recipient will get a message on the demo phone.")
        return _(
            "Deposited. No message can be sent from this locker: "
            "give the recipient the pickup code another way."
        )
    if real == {SMS}:
        text = _("Deposited. The recipient will get an SMS with the pickup code.")
    elif real == {EMAIL}:
        text = _("Deposited. The recipient will get an e-mail with the pickup code.")
    elif real == {SMS, EMAIL}:
        text = _("Deposited. The recipient will get an SMS and an e-mail with the pickup code.")
    else:
        text = _("Deposited. The recipient will get a message with the pickup code.")
    if DEMO in channels:
        text += " " + _("The demo phone gets it too.")
    return text
