"""The message channels the settings configure: SMS, e-mail and the carriers' webhooks."""

from __future__ import annotations

from locker.config import Settings
from locker.message_channel import MessageChannel


def channels_from(settings: Settings) -> dict[str, MessageChannel]:
    """One channel per way of reaching people that the settings configure; none: {}."""
    channels: dict[str, MessageChannel] = {}
    return channels
