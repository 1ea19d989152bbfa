"""What every SMS channel reads from a message: its SMS text and the phone it goes to."""

from __future__ import annotations

from collections.abc import Mapping

from locker.domain.errors import InvalidInputError
from locker.domain.phone import normalise_phone
from locker.message_channel import DeliveryError, OutgoingMessage, SmsText

# A mainland mobile as the locker stores it: 11 digits from 1, no country code.
_MAINLAND_MOBILE_DIGITS = 11


def is_phone(recipient: str) -> bool:
    """True for a phone number as the locker stores it: 8 to 15 digits, maybe after '+'."""
    try:
        return normalise_phone(recipient) == recipient
    except InvalidInputError:
        return False


def e164(phone: str) -> str:
    """The phone in E.164 (+country code, digits) where it can be told: a number written with
    '+' as it is, a mainland mobile after +86; any other number as stored."""
    if phone.startswith("+"):
        return phone
    if len(phone) == _MAINLAND_MOBILE_DIGITS and phone.startswith("1"):
        return "+86" + phone
    return phone


def sms_parts(message: OutgoingMessage) -> tuple[SmsText, str]:
    """The message's SMS and phone, or a permanent DeliveryError when it has no SMS or the
    recipient is no phone number (trying again cannot change either)."""
    if message.sms is None:
        raise DeliveryError(f"message {message.message_id} has no SMS text", permanent=True)
    if not is_phone(message.recipient):
        raise DeliveryError(
            f"message {message.message_id}: the recipient is not a phone number", permanent=True
        )
    return message.sms, message.recipient


def provider_template(templates: Mapping[str, str], template: str, provider: str) -> str:
    """The provider's approved template for one of ours; a permanent error when none is set."""
    found = templates.get(template)
    if not found:
        raise DeliveryError(
            f"no {provider} template for {template} (sms_templates)", permanent=True
        )
    return found
